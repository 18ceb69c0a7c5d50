"""Trends: the hashtags whose use by distinct authors in the last hour rises most over their own baseline,
counted per tag per hour from the bus (functions/trends_counter), scored every minute
(functions/trends_scorer) and served from one item (`GET /api/trends`)."""
