"""`python -m infra.local.sqs --data DIR --port N`: the local SQS and SNS (see `infra.local.sqs.server`)."""

import sys

from infra.local.sqs.server import main

sys.exit(main())
