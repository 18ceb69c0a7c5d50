"""The trends scorer: run every minute by an EventBridge schedule (the local runtime runs it on the same
schedule), it scores the hashtags used in the last hour against their own baseline, decays the previous
list's scores, and writes the 20 best as one item, which `GET /api/trends` reads (chirp.trends.scoring).

A run that fails is retried by Lambda (an asynchronous invocation); a missed run costs nothing but a
minute's freshness: the next one scores from the counts, which it does not change.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.tracing import TRACED_MODULES
from chirp.trends.service import refresh_trends
from chirp.wiring import prepare_process
from chirp.wiring.trends_scorer import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    found = dependencies()
    # The clock, not the event's `time`: a retried invocation scores as of when it runs.
    ranked = refresh_trends(found.trends, found.settings.rules, int(time.time() * 1000))
    metrics.add_metric(name="Trends", unit=MetricUnit.Count, value=len(ranked.trends))
    logger.info("trends scored", extra={"trends": [trend.tag for trend in ranked.trends]})
    return {"trends": len(ranked.trends)}


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
