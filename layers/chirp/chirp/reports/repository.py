"""What reports need from storage."""

from __future__ import annotations

from typing import Protocol

from chirp.pages import Page, PageRequest
from chirp.reports.models import Action, Report, ReportState


class ReportRepository(Protocol):
    def create(self, report: Report) -> Report | None:
        """Store a new open report, with its reporter's claim on the target; None if the reporter has an open
        report of that target already (the claim is taken: see `open_report_of`); chirp.ids.IdTaken if its id is
        another report's (nothing written)."""

    def open_report_of(self, reporter_id: int, target_type: str, target_id: int) -> Report | None:
        """The reporter's open report of the target, if any."""

    def get(self, report_id: int) -> Report | None: ...

    def page(self, state: ReportState, page: PageRequest) -> Page[Report]:
        """Reports in that state, newest first."""

    def resolve(self, report: Report, action: Action, moderator_id: int, now_ms: int) -> Report | None:
        """Mark an open report resolved and release its claim, in one write; None if it was not open anymore."""
