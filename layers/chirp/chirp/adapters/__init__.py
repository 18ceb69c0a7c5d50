"""Adapters: the only code that talks to AWS services (boto3, pynamodb).

Each aggregate declares the small interface it needs (`chirp.<aggregate>.repository`);
the classes here implement those interfaces and translate AWS errors into
domain errors. `chirp.wiring` builds them once per process.
"""
