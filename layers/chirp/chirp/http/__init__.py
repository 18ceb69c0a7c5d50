"""HTTP concerns shared by the API function: reading bodies and query strings,
mapping domain errors to status codes, the JSON shapes of responses, and the
OpenAPI document. Framework-free: the Chalice app in functions/api uses these."""
