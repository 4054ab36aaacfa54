"""Stable pseudonyms for officers, for roles that may not see who did what (analysts).

`officer-3f9a1c07d2` stands for one user everywhere (JSON, GeoJSON, CSV, layers, tiles,
summaries) and stays the same across requests, so an analyst can still count "records per
officer" without learning a name. The same digest is computed in PostgreSQL by
`PSEUDONYM_SQL` (for outputs built there), with the key passed as a parameter.
"""

import hashlib

from django.conf import settings

PREFIX = "officer-"
DIGITS = 10

# SQL for the pseudonym of the user id in `{user_id}`; the key is the parameter %(pseudonym_key)s.
PSEUDONYM_SQL = (
    f"CASE WHEN {{user_id}} IS NULL THEN NULL ELSE '{PREFIX}' || left(encode(sha256(convert_to("
    f"%(pseudonym_key)s || ':' || {{user_id}}::text, 'UTF8')), 'hex'), {DIGITS}) END"
)


def pseudonym_key() -> str:
    """PSEUDONYM_KEY, or one derived from the secret key (never the secret key itself)."""
    return settings.PSEUDONYM_KEY or hashlib.sha256(f"pseudonyms:{settings.SECRET_KEY}".encode()).hexdigest()


def pseudonym(user_id: int | None) -> str | None:
    """The analyst-facing name of user `user_id` (None stays None)."""
    if user_id is None:
        return None
    digest = hashlib.sha256(f"{pseudonym_key()}:{user_id}".encode()).hexdigest()
    return PREFIX + digest[:DIGITS]
