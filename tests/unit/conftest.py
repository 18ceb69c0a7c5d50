"""Unit-test fixtures: the API's Chalice app, imported with an environment of the API's shape (its
tables' names, a signing key, a region), as Lambda would start it. Importing it builds the clients
(no request is sent), so no network is involved."""

from __future__ import annotations

from types import ModuleType

import pytest

API_ENVIRONMENT = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Lambda's sandbox always has credentials; the clients built at import keep the ones they find.
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "USERS_TABLE": "unit-UsersTable",
    "TWEETS_TABLE": "unit-TweetsTable",
    "FOLLOWS_TABLE": "unit-FollowsTable",
    "SESSIONS_TABLE": "unit-SessionsTable",
    "TIMELINES_TABLE": "unit-TimelinesTable",
    "AUTHOR_TWEETS_TABLE": "unit-AuthorTweetsTable",
    "ENGAGEMENTS_TABLE": "unit-EngagementsTable",
    "NOTIFICATIONS_TABLE": "unit-NotificationsTable",
    "TRENDS_TABLE": "unit-TrendsTable",
    "SUGGESTIONS_TABLE": "unit-SuggestionsTable",
    "RELATIONS_TABLE": "unit-RelationsTable",
    "REPORTS_TABLE": "unit-ReportsTable",
    "EXPORTS_TABLE": "unit-ExportsTable",
    "EXPORTS_BUCKET": "unit-exportsbucket",
    "ERASURE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/unit-ErasureQueue",
    "RATE_LIMITS_TABLE": "unit-RateLimitsTable",
    "IDEMPOTENCY_TABLE": "unit-IdempotencyTable",
    "SEARCH_ENDPOINT": "embedded:/tmp/chirp-unit-search",
    "MEDIA_TABLE": "unit-MediaTable",
    "MEDIA_BUCKET": "unit-mediabucket",
    "MEDIA_DOMAIN": "d111111abcdef8.cloudfront.net",
    "JWT_SECRET": "unit-test-signing-key-0123456789abcdef",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


@pytest.fixture
def api_module(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """functions/api/app.py, imported (once per process) under the API's kind of environment."""
    for name, value in API_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    import app

    return app
