"""HTTP API: the FastAPI app, routers per feature, auth dependencies, problem details."""
