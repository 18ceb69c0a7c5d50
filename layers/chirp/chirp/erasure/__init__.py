"""Account deletion: an account marked deleted at once, then its data erased by a resumable job."""
