"""Reports: users flag a tweet or a user for moderators, who dismiss them, remove the tweet or suspend the account."""
