"""How home timelines are built and kept (seed 000 §6): the knobs of the hybrid push/pull fan-out."""

from __future__ import annotations

from pydantic import Field

from chirp.settings import EnvironmentSettings
from chirp.timelines.models import Strategy


class TimelineSettings(EnvironmentSettings):
    # Hybrid push/pull: authors reaching `celebrity_threshold` followers stop being fanned out; they
    # are fanned out again only below `celebrity_demote_below` (hysteresis; 0 means 90% of the threshold).
    timeline_strategy: Strategy = Strategy.HYBRID
    celebrity_threshold: int = Field(10_000, ge=1)
    celebrity_demote_below: int = Field(0, ge=0)
    # Followers who have not read their home timeline for this long get no fan-out; their
    # timeline is rebuilt from their followees' recent tweets when they come back.
    inactive_after_days: int = Field(30, ge=1)
    timeline_max_entries: int = Field(800, ge=1)
    timeline_entry_ttl_days: int = Field(30, ge=1)
    # How many recent tweets per followee a follow or a rebuild brings in.
    timeline_backfill_per_author: int = Field(20, ge=1)
    # Each author's newest tweets kept beside their tweets for the readers who pull them (a first
    # page pulls its celebrities from there): trimmed back to this many once it holds `slack` more.
    recent_tweets_kept: int = Field(20, ge=1)
    recent_tweets_slack: int = Field(10, ge=0)
    # How long a sandbox keeps the author profiles (username, name) home-timeline pages show: a
    # rename shows on timelines within this many seconds. 0: read them every time.
    profile_cache_seconds: int = Field(60, ge=0)
    # Owners per fan-out message (a TimelineChange names at most 1,000).
    fanout_owners_per_message: int = Field(100, ge=1, le=1000)
    # The writer trims an owner's timeline to `timeline_max_entries` on this share of writes.
    timeline_trim_probability: float = Field(0.05, ge=0, le=1)

    @property
    def celebrity_floor(self) -> int:
        """Below this many followers a celebrity is demoted (at least 1: a celebrity left with no
        followers is always demoted, whatever the rounding of a tiny threshold)."""
        return self.celebrity_demote_below or max(1, (self.celebrity_threshold * 9) // 10)
