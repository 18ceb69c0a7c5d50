"""HTTP concerns shared by the API function: reading bodies and query strings (`requests`), mapping
domain errors to status codes (`errors`), the response bodies declared once (`schemas`) and built by
`views`, and the OpenAPI document generated from the route table (`openapi`). Framework-free: the
Chalice app in functions/api uses these."""
