"""``python -m bench.fuzz``: schemathesis against the example site's OpenAPI schema (``/api/schema/``)."""
