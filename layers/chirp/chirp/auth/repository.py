"""What authentication needs from storage: refresh tokens grouped in families."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RefreshRecord:
    token_hash: str
    user_id: int
    family_id: str
    expires_at: int
    spent: bool
    # The user's token version its family was started under (chirp.auth.revocation).
    token_version: int = 0


class SessionRepository(Protocol):
    def start_family(
        self, family_id: str, user_id: int, token_hash: str, expires_at: int, token_version: int = 0
    ) -> None: ...

    def get_refresh(self, token_hash: str) -> RefreshRecord | None: ...

    def family_revoked(self, family_id: str) -> bool: ...

    def rotate(self, spent: RefreshRecord, new_hash: str, expires_at: int) -> bool:
        """Mark `spent` used and store its successor, atomically. False if it was already
        spent (a concurrent or replayed refresh) or its family was revoked meanwhile."""

    def revoke_family(self, family_id: str) -> None: ...
