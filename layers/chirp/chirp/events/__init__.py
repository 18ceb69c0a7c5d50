"""Domain events: what happened in Chirp, typed and versioned (`schema`), decoded from the tables'
streams by one decoder (`stream`), published to one bus (`bus`, an SNS topic in `template.yaml`) and
consumed by each consumer through its own queue (`consumers`). README.md has the catalogue: each event,
its producer and its consumers."""
