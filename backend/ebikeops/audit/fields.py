"""A JSON column kept as the text it was written as (PostgreSQL's `json`, not `jsonb`)."""

from django.db import models


class JSONTextField(models.JSONField):
    """Stored as `json`: PostgreSQL keeps the text byte for byte (its input check scans it but
    builds nothing), so a large value written once costs no parse into jsonb, and a hash over
    the stored text needs no jsonb written back out (audit migration 0005). Read as jsonb (the
    SELECT casts it), so that Python gets the value a jsonb column would have given: numbers
    and key order as jsonb writes them."""

    def db_type(self, connection) -> str:
        return "json"

    def select_format(self, compiler, sql, params):
        return f"({sql})::jsonb", params
