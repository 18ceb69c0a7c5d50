"""Notifications: what happened to a user (follows, likes, retweets, quotes, replies, mentions), stored grouped
and pushed live to its open WebSocket connections, or by Web Push when none is open."""
