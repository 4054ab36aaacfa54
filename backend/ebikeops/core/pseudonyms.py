"""Stable pseudonyms for officers, for roles that may not see who did what (analysts).

`officer-3f9a1c07d2` stands for one user everywhere (JSON, GeoJSON, CSV, layers, tiles,
summaries) and stays the same across requests, so an analyst can still count "records per
officer" without learning a name. The same digest is computed in PostgreSQL by
`PSEUDONYM_SQL` (for outputs built there), with the key passed as a parameter.
"""

import hashlib

from django.conf import settings
from django.db.models import CharField, Func

PREFIX = "officer-"
DIGITS = 10

# SQL for the pseudonym of the user id `{user_id}` (an expression without parameters); the
# key is the one positional parameter.
PSEUDONYM_SQL = (
    f"CASE WHEN {{user_id}} IS NULL THEN NULL ELSE '{PREFIX}' || left(encode(sha256(convert_to("
    f"%s || ':' || {{user_id}}::text, 'UTF8')), 'hex'), {DIGITS}) END"
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


class Pseudonym(Func):
    """The pseudonym of a user-id column, computed by PostgreSQL (equal to `pseudonym()`):
    `.values(lead_officer=Pseudonym("lead_officer_id"))`."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        if params:
            raise ValueError("Pseudonym() takes a column, not an expression with parameters.")
        return PSEUDONYM_SQL.format(user_id=f"({column})"), (pseudonym_key(),)
