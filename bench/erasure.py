"""`make bench-erasure`: how long an account's erasure takes, and that it leaves nothing.

A local runtime (its settling sweep 5 minutes after an erasure rather than 15: what the bus's consumers still had
queued from the seeding reaches the account's partitions for minutes on this runtime); an account made through its API
as tests/e2e/test_account_deletion.py makes one, at the issue's size by default: 1,000 tweets (one with a photo),
500 likes, 300 follows (150 people, each followed by it and following it), two of them liking and retweeting its
first tweet. Then DELETE /api/users/me, and the time until:

1. the erasure function recorded the account erased (its item gone from the users table);
2. nothing of it is left in any table or the media bucket (what stays by design aside: README, Account deletion),
   including what follows from it on the bus (others' timelines, counts, search) and the settling sweep.

Prints the figures and what was left if the time ran out; writes bench/results/erasure.json.

    python -m bench.erasure [--tweets 1000] [--likes 500] [--people 150] [--timeout 1500] [--settle 300]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bench.api_latency import RELAXED_LIMITS, RESULTS
from bench.limits import runtime
from tests.e2e.erasure import delete_account, dynamodb, seed, wait_until_erased


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tweets", type=int, default=1_000)
    parser.add_argument("--likes", type=int, default=500)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--timeout", type=float, default=1_500.0)
    parser.add_argument("--settle", type=int, default=300, help="ErasureSettleSeconds (900 on AWS by default)")
    return parser.parse_args()


def account_item_gone(endpoints: dict[str, Any], user_id: str, timeout: float) -> float | None:
    """Seconds until the account's item left the users table (the erasure's last write), or None."""
    client = dynamodb(endpoints)
    table = endpoints["resources"]["UsersTable"]["ref"]
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if "Item" not in client.get_item(TableName=table, Key={"pk": {"S": f"USER#{user_id}"}}):
            return time.monotonic() - started
        time.sleep(0.5)
    return None


def main() -> None:
    args = parse_args()
    with runtime(f"{RELAXED_LIMITS} ErasureSettleSeconds={args.settle}") as (api, endpoints):
        started = time.monotonic()
        seeded = seed(api, tweets=args.tweets, likes=args.likes, people=args.people)
        seeding_s = time.monotonic() - started
        print(f"seeded {args.tweets} tweets, {args.likes} likes, {2 * args.people} follows in {seeding_s:.1f} s")
        deleted_at = time.monotonic()
        delete_account(api, seeded.alice)
        erased_s = account_item_gone(endpoints, seeded.alice_id, args.timeout)
        left = wait_until_erased(endpoints, seeded.alice_id, args.timeout - (time.monotonic() - deleted_at))
        nothing_left_s = time.monotonic() - deleted_at
    result = {
        "tweets": args.tweets,
        "likes": args.likes,
        "follows": 2 * args.people,
        "seeding_s": round(seeding_s, 1),
        "erasure_function_done_s": round(erased_s, 1) if erased_s is not None else None,
        "nothing_left_s": round(nothing_left_s, 1) if not left else None,
        "left_at_timeout": left,
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "erasure.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
