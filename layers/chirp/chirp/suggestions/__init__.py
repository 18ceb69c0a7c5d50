"""Who to follow: the accounts a user's follows follow, ranked by how many of them do, precomputed per user
by the suggestions function (functions/suggestions) from the follow events, and filled up with the
most-followed accounts."""
