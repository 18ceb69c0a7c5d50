"""Tweets: composing (Twitter's text rules), reading and deleting."""
