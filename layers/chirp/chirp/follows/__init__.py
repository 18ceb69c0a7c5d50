"""Follows: the directed follower graph and its exact counters."""
