"""SessionRepository on the sessions table: refresh tokens and their families."""

from __future__ import annotations

import time

from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.connection import run_transaction
from chirp.adapters.dynamodb.models import FAMILY_PREFIX, REFRESH_PREFIX, RefreshTokenItem, TokenFamilyItem
from chirp.auth.repository import RefreshRecord


class DynamoSessionRepository:
    def start_family(
        self, family_id: str, user_id: int, token_hash: str, expires_at: int, token_version: int = 0
    ) -> None:
        family = TokenFamilyItem(pk=f"{FAMILY_PREFIX}{family_id}", user_id=user_id, expires_at=expires_at)
        token = RefreshTokenItem(
            pk=f"{REFRESH_PREFIX}{token_hash}",
            user_id=user_id,
            family_id=family_id,
            expires_at=expires_at,
            token_version=token_version or None,
        )

        def write(transaction: TransactWrite) -> None:
            transaction.save(family, condition=TokenFamilyItem.pk.does_not_exist())
            transaction.save(token, condition=RefreshTokenItem.pk.does_not_exist())

        if run_transaction(write):
            raise RuntimeError("refresh token collision (2^-256 odds): refusing to continue")

    def get_refresh(self, token_hash: str) -> RefreshRecord | None:
        try:
            item = RefreshTokenItem.get(f"{REFRESH_PREFIX}{token_hash}", consistent_read=True)
        except RefreshTokenItem.DoesNotExist:
            return None
        return RefreshRecord(
            token_hash=token_hash,
            user_id=int(item.user_id),
            family_id=item.family_id,
            expires_at=int(item.expires_at),
            spent=item.spent_at_ms is not None,
            token_version=int(item.token_version or 0),
        )

    def family_revoked(self, family_id: str) -> bool:
        try:
            item = TokenFamilyItem.get(f"{FAMILY_PREFIX}{family_id}", consistent_read=True)
        except TokenFamilyItem.DoesNotExist:
            return True
        return item.revoked_at_ms is not None

    def rotate(self, spent: RefreshRecord, new_hash: str, expires_at: int) -> bool:
        successor = RefreshTokenItem(
            pk=f"{REFRESH_PREFIX}{new_hash}",
            user_id=spent.user_id,
            family_id=spent.family_id,
            expires_at=expires_at,
            token_version=spent.token_version or None,
        )
        family_key = TokenFamilyItem(pk=f"{FAMILY_PREFIX}{spent.family_id}")

        def write(transaction: TransactWrite) -> None:
            transaction.update(
                RefreshTokenItem(pk=f"{REFRESH_PREFIX}{spent.token_hash}"),
                actions=[RefreshTokenItem.spent_at_ms.set(int(time.time() * 1000))],
                condition=RefreshTokenItem.pk.exists() & RefreshTokenItem.spent_at_ms.does_not_exist(),
            )
            transaction.update(
                family_key,
                actions=[TokenFamilyItem.expires_at.set(expires_at)],
                condition=TokenFamilyItem.pk.exists() & TokenFamilyItem.revoked_at_ms.does_not_exist(),
            )
            transaction.save(successor, condition=RefreshTokenItem.pk.does_not_exist())

        return not run_transaction(write)

    def revoke_family(self, family_id: str) -> None:
        try:
            TokenFamilyItem(pk=f"{FAMILY_PREFIX}{family_id}").update(
                actions=[TokenFamilyItem.revoked_at_ms.set(int(time.time() * 1000))],
                condition=TokenFamilyItem.pk.exists(),
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            # The family is gone (expired): its tokens are refused already; leave no item without a TTL.
