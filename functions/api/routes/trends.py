"""Trends: the hashtags whose use by distinct authors in the last hour rises most over their own baseline,
as the scorer (functions/trends_scorer) last wrote them: one GetItem, for anyone, signed in or not."""

from __future__ import annotations

from chirp.errors import MalformedRequest
from chirp.http import schemas
from chirp.http.openapi import QueryParameter
from chirp.ids import iso_timestamp
from chirp.trends.models import TrendList
from chirp.trends.service import DEFAULT_SHOWN, MAX_SHOWN, trends_shown
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__)


LIMIT = QueryParameter("limit", "how many trends", bounds=(1, MAX_SHOWN), default=DEFAULT_SHOWN)


@blueprint.operation(
    "/api/trends",
    "GET",
    "Trending hashtags, best first, refreshed every minute",
    query=(LIMIT,),
    raises=(MalformedRequest,),
)
def current_trends() -> schemas.TrendsResponse:
    return trends_json(trends_shown(dependencies().trends, blueprint.query_int(LIMIT)))


def trends_json(found: TrendList) -> schemas.TrendsResponse:
    return {
        "data": [
            {
                "tag": trend.tag,
                "name": trend.name,
                "count": trend.count,
                "score": round(trend.score, 3),
                "series": list(trend.series),
            }
            for trend in found.trends
        ],
        "meta": {"as_of": iso_timestamp(found.computed_at_ms) if found.computed_at_ms is not None else None},
    }
