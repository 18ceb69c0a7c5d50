"""`make moderator USER=<username>`: grant (or, with --revoke, take back) the moderator role.

Moderators list and resolve reports (GET /api/moderation/reports, POST .../resolve). The role is a user attribute
only an operator sets, with this command, never through the API: it writes the user item directly, in the users
table the local system's endpoints.json names (`make run`), or the one given (AWS; credentials from the
environment, as the AWS CLI finds them). A moderator's next request sees the role (the API reads it per request).

    python -m infra.moderation alice                       # the local system `make run` started (.chirp-data)
    python -m infra.moderation alice --revoke
    python -m infra.moderation alice --users-table NAME    # AWS: the stack's UsersTableName output
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.running_system import NotRunning, running_local_system


def local_users_table(data_dir: Path) -> str:
    """The running local system's users table (and its AWS endpoint variables), from the file `make run` writes."""
    try:
        document = running_local_system(data_dir, "or give --users-table")
    except NotRunning as error:
        raise SystemExit(str(error)) from None
    table: str = document["functions"]["ApiFunction"]["environment"]["USERS_TABLE"]
    return table


def set_moderator(users_table: str, username: str, moderator: bool = True) -> int:
    """Grant or revoke the role of the user called `username`; its id. LookupError if nobody is called that."""
    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.users import DynamoUserRepository

    bind_models(Tables(users=users_table))
    users = DynamoUserRepository()
    user_id = users.find_id_by_username(username)
    if user_id is None:
        raise LookupError(f"no user is called '{username}'")
    users.set_moderator(user_id, moderator)
    return user_id


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("username")
    parser.add_argument("--revoke", action="store_true", help="take the role back")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("CHIRP_DATA_DIR", ".chirp-data")))
    parser.add_argument("--users-table", help="the users table on AWS (default: the local system's)")
    arguments = parser.parse_args(argv)
    table = arguments.users_table or local_users_table(arguments.data_dir)
    try:
        user_id = set_moderator(table, arguments.username, not arguments.revoke)
    except LookupError as error:
        print(error, file=sys.stderr)
        return 1
    role = "no longer a moderator" if arguments.revoke else "a moderator"
    print(f"{arguments.username} (user {user_id}) is {role}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
