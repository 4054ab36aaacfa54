"""drf-spectacular post-processing: what every endpoint may answer under load or outage.

Any request may be shed (the server is overloaded), stopped at its deadline, or refused while
the database is away (ebikeops.core.middleware): each is a 503 problem document with
Retry-After, so every operation in the schema says so.
"""

PROBLEM = "ServiceUnavailableProblem"
DESCRIPTION = (
    "Overloaded (the request waited too long to start, or ran past its deadline) or the "
    "database does not answer: send the request again after Retry-After seconds."
)


def add_unavailable_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[PROBLEM] = {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer", "enum": [503]},
            "detail": {"type": "string"},
        },
        "required": ["type", "title", "status", "detail"],
    }
    retry_after = {
        "Retry-After": {
            "description": "Seconds to wait before sending the request again.",
            "schema": {"type": "integer", "minimum": 1},
            "required": True,
        }
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method.startswith("x-") or not isinstance(operation, dict) or "responses" not in operation:
                continue
            answer = operation["responses"].setdefault(
                "503",
                {
                    "description": DESCRIPTION,
                    "content": {"application/problem+json": {"schema": {"$ref": f"#/components/schemas/{PROBLEM}"}}},
                },
            )
            answer.setdefault("headers", {}).update(retry_after)
    return result
