"""SQS and SNS for the local runtime, persisted in SQLite so that a kill -9 loses no acknowledged message.

moto server keeps SQS and SNS in memory: a restart of `make run` dropped every queued event. No persistent
emulator was usable here (../shared/DESIGN.md, "Measured on 2026-11-27"), so this package serves the
operations Chirp and the runtime call, with AWS's limits and error codes:

- `store`: the SQLite database (WAL), one transaction per acknowledged write;
- `queues`: SQS semantics (visibility, delays, receive counts, redrive to dead-letter queues, retention);
- `topics`: SNS semantics (subscriptions to SQS queues, filter policies, raw or enveloped delivery);
- `server`: the HTTP front (SQS's JSON protocol, SNS's query protocol), `python -m infra.local.sqs`.
"""
