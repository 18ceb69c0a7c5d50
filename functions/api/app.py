"""Chirp's HTTP API: the Chalice app, routes only (placeholder until the routes land)."""

from chalice import Chalice

app = Chalice(app_name="chirp")


@app.route("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
