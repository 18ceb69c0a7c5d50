"""Users: accounts, credentials and profiles."""
