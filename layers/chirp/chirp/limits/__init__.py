"""Rate limits: how many actions of a class a subject (a user, a client IP, an account) may take per window.

- `policy`: the classes of action, their limits as data (settings from the environment), and the
  decision a counter's value gives (allowed, remaining, when the window resets, how long to wait);
- `service`: one counted request (`count_request`), and the login guard (`check_login`,
  `record_login_failure`), on a `CounterStore` (`repository`; DynamoDB's in `chirp.adapters.dynamodb.limits`).

Windows are fixed and aligned to their length (a 5-minute window starts at a multiple of 300 s since the
epoch): one counter item per class, subject and window, ADDed to atomically, expiring at the window's end.
A client can thus spend a limit at the end of one window and again at the start of the next (twice the
limit in a short burst, at worst); sliding windows would cost a read and a write per request.
"""
