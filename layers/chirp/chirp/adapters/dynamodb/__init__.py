"""DynamoDB adapters, built on PynamoDB models (one table per aggregate, see template.yaml)."""
