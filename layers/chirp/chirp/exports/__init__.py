"""Data export: a user's archive of their own data (profile, tweets, follows, likes, blocks, mutes)."""
