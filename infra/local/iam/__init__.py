"""Least privilege, enforced by the local runtime: each function's AWS calls checked against its IAM policies.

What AWS does with a function's execution role, the local runtime does too. Every AWS call a sandbox makes is
checked against the function's policies as SAM expands them, and a call they do not allow fails with the
service's own access-denied error. Lambda's own uses of the role (reading a stream or a queue, sending to an
on-failure destination) are checked at start, as AWS would refuse to deploy an event source mapping without them.

- `policies`: each function's identity policies exactly as SAM expands them (SAM's own translator; policy
  templates, the policies SAM adds for event destinations, and AWS managed policies from moto's copy of AWS's),
  resolved against the provisioned resources;
- `evaluator`: allow or deny one (action, resource) with moto's IAM evaluator (`moto.iam.access_control.IAMPolicy`;
  its gaps, and how they are covered, are in its docstring);
- `actions`: the (action, resource) pairs AWS authorizes for one botocore call (an unknown operation is refused);
- `guard`: the botocore hook that checks every call of a process; in each sandbox it is installed by the worker
  before the handler is imported, and in tests by `install()` and `acting_as(principal)` (`tests/iam_guard.py`);
- `authority` and `channel`: the runtime evaluates, its sandboxes ask over a socket pair and remember the answers,
  so that a sandbox never imports moto (it would add ~0.3 s to each sandbox start; the guard adds ~10 ms);
- `event_sources`: what Lambda itself needs from the role, checked at start (and at most two readers per stream);
- `usage` and `report`: with `CHIRP_IAM_USAGE_DIR` set, each distinct decision is logged;
  `python -m infra.local.iam report <dir> [--template template.yaml]` prints, per function, the pairs used next
  to the statements that grant them, and the grants nothing used (Markdown).

Cost, measured on the project's two-core machine: a call whose pairs were decided before spends ~3.5 µs in the
guard (a DynamoDB Query; ~6 µs for a BatchGetItem across three tables) against ~250 µs for botocore's own work on
the call; a first decision is one round trip to the runtime plus ~90 µs of moto. SAM's translation (~1 s with
its import) runs in a thread while the emulators start.

Modules a sandbox imports (`guard`, `actions`, `channel`, `principal`) use only the standard library and botocore.
"""
