"""Relations: whom a user blocks and mutes, and the words it mutes (trust and safety, issue 13)."""
