"""Filing reports, and what moderators do with them.

A report names a tweet or a user, a reason from a fixed list and a comment. While it is open, a second report of
the same target by the same reporter answers the first (`filed`: False): one reporter cannot flood the queue, and
a retried request files nothing twice. Once resolved, the reporter may report the target again.

Moderators (a user attribute only an operator grants: infra/moderation.py) list reports by state and resolve
them: dismiss, remove the tweet (deleted as its author would delete it: chirp.tweets.service.delete_tweet), or
suspend the user (a tweet's author): a suspended account cannot log in, its tokens are refused (its token version
bumped: chirp.auth.revocation), and its tweets are not served (chirp.tweets.shown leaves them out).
"""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass

from chirp.errors import Conflict, Forbidden, InvalidRequest, NotFound
from chirp.ids import minted
from chirp.pages import Page, PageRequest
from chirp.reports.inputs import ReportDraft
from chirp.reports.models import Action, Report, ReportState, TargetType
from chirp.reports.repository import ReportRepository
from chirp.tweets import service as tweets_service
from chirp.tweets.repository import TweetRepository
from chirp.users.models import User
from chirp.users.repository import UserRepository


@dataclass(frozen=True)
class Filed:
    report: Report
    # False: the reporter's open report of the same target, answered again.
    created: bool


def file_report(
    users: UserRepository, tweets: TweetRepository, reports: ReportRepository, reporter_id: int, draft: ReportDraft
) -> Filed:
    """File the reporter's report (NotFound: no such target; InvalidRequest: the reporter's own account or tweet)."""
    target_type, target_id = TargetType(draft.target.type), int(draft.target.id)
    author_id = _target_author(users, tweets, target_type, target_id)
    if author_id == reporter_id:
        raise InvalidRequest("target: you cannot report yourself or your own tweets")
    existing = reports.open_report_of(reporter_id, target_type, target_id)
    if existing is not None:
        return Filed(existing, created=False)

    def create(report_id: int) -> Report | None:  # again under a fresh id should the id be taken (chirp.ids)
        report = Report(
            id=report_id,
            reporter_id=reporter_id,
            target_type=target_type,
            target_id=target_id,
            target_author_id=author_id,
            reason=draft.reason,
            comment=draft.comment,
        )
        return reports.create(report)

    stored = minted(create)
    if stored is None:  # a concurrent identical report won the claim
        existing = reports.open_report_of(reporter_id, target_type, target_id)
        if existing is None:
            raise Conflict("the same report was filed and resolved meanwhile; send it again")
        return Filed(existing, created=False)
    return Filed(stored, created=True)


def _target_author(users: UserRepository, tweets: TweetRepository, target_type: TargetType, target_id: int) -> int:
    """The reported user, or the reported tweet's author; NotFound if there is none (or it is not served)."""
    if target_type is TargetType.USER:
        user = users.get(target_id)
        if user is None:
            raise NotFound(f"user {target_id} does not exist")
        return user.id
    tweet = tweets.get(target_id)
    author = users.get(tweet.author_id) if tweet is not None else None
    if tweet is None or author is None or author.suspended:
        raise NotFound(f"tweet {target_id} does not exist")
    return tweet.author_id


def moderator(users: UserRepository, user_id: int) -> User:
    """The caller, if a moderator; Forbidden otherwise."""
    user = users.get(user_id)
    if user is None or not user.moderator or user.suspended:
        raise Forbidden("only moderators may read or resolve reports")
    return user


def reports_page(
    users: UserRepository, reports: ReportRepository, caller_id: int, state: ReportState, page: PageRequest
) -> Page[Report]:
    moderator(users, caller_id)
    return reports.page(state, page)


def resolve_report(
    users: UserRepository,
    tweets: TweetRepository,
    reports: ReportRepository,
    *,
    caller_id: int,
    report_id: int,
    action: Action,
) -> Report:
    """Act on an open report, then mark it resolved (NotFound: no such report; Conflict: resolved already;
    InvalidRequest: removing a tweet of a report about a user). The action goes first, and each is idempotent,
    so a failure between the two leaves the report open for a retry that finishes it."""
    moderator(users, caller_id)
    report = reports.get(report_id)
    if report is None:
        raise NotFound(f"report {report_id} does not exist")
    if report.state is not ReportState.OPEN:
        raise Conflict(f"report {report_id} is resolved already ({report.action})")
    if action is Action.REMOVE_TWEET:
        if report.target_type is not TargetType.TWEET:
            raise InvalidRequest("action: remove_tweet resolves a report about a tweet; this one is about a user")
        tweet = tweets.get(report.target_id)
        if tweet is not None:
            with suppress(NotFound):  # its author deleted it meanwhile: removed all the same
                tweets_service.delete_tweet(tweets, tweet.author_id, tweet.id)
    elif action is Action.SUSPEND_USER:
        users.suspend(report.target_author_id)
    resolved = reports.resolve(report, action, caller_id, int(time.time() * 1000))
    if resolved is None:
        raise Conflict(f"report {report_id} was resolved meanwhile")
    return resolved
