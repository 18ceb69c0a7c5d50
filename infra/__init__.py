"""Infrastructure code for Chirp that is not deployed: the local runtime lives in `infra.local`."""
