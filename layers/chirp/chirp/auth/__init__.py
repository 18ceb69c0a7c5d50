"""Authentication: access tokens (JWT), rotating refresh tokens, log in and out."""
