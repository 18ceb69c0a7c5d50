"""Chirp's local runtime: emulates the AWS pieces of `template.yaml` on one machine.

`python -m infra.local` starts DynamoDB Local and moto server (or uses `AWS_ENDPOINT_URL` / real AWS),
creates the resources the template names, serves the API functions behind an API Gateway HTTP API
(payload format 1.0) emulation and feeds stream and queue batches to the event functions like Lambda's
event source mappings. It emulates AWS only: nothing in here knows about Chirp's domain.
"""
