"""The API's routes, one Chalice blueprint per aggregate (app.py registers them):

| module        | routes                                                                       |
|---------------|------------------------------------------------------------------------------|
| `service`     | health check, the OpenAPI document                                           |
| `accounts`    | register, log in, refresh and log out                                        |
| `profiles`    | the caller's profile, a user's profile by id or by username                  |
| `follows`     | follow, unfollow, a user's followers and followees                           |
| `relations`   | block, mute (and undo them), whom the caller blocks and mutes, muted words   |
| `tweets`      | post (a reply, a quote), read and delete a tweet; a user's tweets            |
| `media`       | ask to upload (a presigned S3 POST), a media's state, its alt text           |
| `engagements` | like, retweet (and undo them), who liked or retweeted, liked tweets, threads |
| `timelines`   | home timelines                                                               |
| `reports`     | report a tweet or a user                                                     |
| `moderation`  | moderators: list reports by state, resolve one (dismiss, remove, suspend)     |
| `notifications` | the caller's notifications, unread count, read mark, switches, Web Push subscriptions |

`routing` holds what they share: how a route is declared (`ApiBlueprint.operation`), the
authentication that runs before a view, and the mapping of domain errors to responses. `limiting` holds the rate
limiter that runs after authentication: which class of action each route is, and the x-rate-limit-* headers.
"""
