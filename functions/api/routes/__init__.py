"""The API's routes, one Chalice blueprint per aggregate (app.py registers them):

| module        | routes                                                                       |
|---------------|------------------------------------------------------------------------------|
| `service`     | health check, the OpenAPI document                                           |
| `accounts`    | register, log in, refresh and log out                                        |
| `profiles`    | the caller's profile, a user's profile by id or by username                  |
| `follows`     | follow, unfollow, a user's followers and followees                           |
| `tweets`      | post (a reply, a quote), read and delete a tweet; a user's tweets            |
| `media`       | ask to upload (a presigned S3 POST), a media's state, its alt text           |
| `engagements` | like, retweet (and undo them), who liked or retweeted, liked tweets, threads |
| `timelines`   | home timelines                                                               |
| `notifications` | the caller's notifications, unread count, read mark, switches, Web Push subscriptions |

`routing` holds what they share: how a route is declared (`ApiBlueprint.operation`), the
authentication that runs before a view, and the mapping of domain errors to responses.
"""
