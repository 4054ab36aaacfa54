"""API tokens: hashed at rest (django-rest-knox), expiring after a shift, rotated and revoked.

The plain token exists only in the answer that issues it (an API response or a command's
output); the database keeps its SHA-512 digest and the first characters to find it by.
Clients send it as `Authorization: Token <token>`, the header DRF's own tokens used.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from hmac import compare_digest

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from . import sql
from .statements import prepared_cursor, prepares
from .throttling import failed_authentication, refuse_if_over_failure_limit

TOKEN_EXPIRED = "This token has expired: log in again for a new one."  # noqa: S105 - a message
TOKEN_INVALID = "Invalid token."  # noqa: S105 - a message


@dataclass(frozen=True)
class IssuedToken:
    """A token as issued: the plain `token` (shown once, never stored) and when it expires."""

    token: str
    expiry: datetime | None
    instance: AuthToken


def token_ttl() -> timedelta:
    """How long a new token lasts: `API_TOKEN_TTL_HOURS` (a shift by default)."""
    return timedelta(hours=settings.API_TOKEN_TTL_HOURS)


@transaction.atomic
def token_issue(*, user, ttl: timedelta | None = None) -> IssuedToken:
    """Issue a new token for `user`, valid for `ttl` (default `token_ttl()`). Other tokens stay."""
    instance, token = AuthToken.objects.create(user=user, expiry=ttl if ttl is not None else token_ttl())
    return IssuedToken(token=token, expiry=instance.expiry, instance=instance)


@transaction.atomic
def token_rotate(*, user, current: AuthToken | None = None, ttl: timedelta | None = None) -> IssuedToken:
    """Issue a new token for `user` and revoke `current` (or, without it, every other token)."""
    tokens = AuthToken.objects.filter(user=user)
    if current is not None:
        tokens = tokens.filter(pk=current.pk)
    tokens.delete()
    return token_issue(user=user, ttl=ttl)


@transaction.atomic
def token_revoke(*, user, token: AuthToken | None = None) -> int:
    """Revoke one token of `user`, or all of them without `token`. Returns how many went."""
    tokens = AuthToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    deleted, _ = tokens.delete()
    return deleted


@transaction.atomic
def tokens_purge_expired(*, now: datetime | None = None) -> int:
    """Delete tokens that expired before `now`; returns how many."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=now or timezone.now()).delete()
    return deleted


@cache
def _token_lookup() -> tuple[str, list[str], list[str]]:
    """(SQL, token attnames, user attnames) of `tokens_by_key`, built once per process."""
    user_model = get_user_model()
    token_fields = [field.attname for field in AuthToken._meta.concrete_fields]
    user_fields = [field.attname for field in user_model._meta.concrete_fields]
    return sql.token_with_user_sql(AuthToken, user_model), token_fields, user_fields


def tokens_by_key(token_key: str) -> list[AuthToken]:
    """The tokens whose key (their first characters, not secret) is `token_key`, each with its
    `user` loaded: one query, as knox's `filter(token_key=...).select_related("user")`, from
    SQL built once (compiling that ORM query was a tenth of a short list's Python time)."""
    statement, token_fields, user_fields = _token_lookup()
    alias = router.db_for_read(AuthToken)
    user_model = get_user_model()
    found = []
    # Prepared once per connection (the same statement for every request), where allowed.
    with prepared_cursor(alias) if prepares(alias) else connections[alias].cursor() as cursor:
        cursor.execute(statement, [token_key])
        rows = cursor.fetchall()
    split = len(token_fields)
    for row in rows:
        token = AuthToken.from_db(alias, token_fields, row[:split])
        AuthToken._meta.get_field("user").set_cached_value(token, user_model.from_db(alias, user_fields, row[split:]))
        found.append(token)
    return found


class ShiftTokenAuthentication(TokenAuthentication):
    """knox's token authentication, answering in one query and throttling failures per client.

    knox's own `_cleanup_token` loads every other token of the user on every request to delete
    expired ones (one more query per request); here an expired token is simply refused, and
    `manage.py purge_tokens` deletes expired ones. A client (IP) that has sent too many invalid
    tokens is refused with 429 before its token is even looked at (`AUTH_FAILURE_RATE`).
    """

    def authenticate(self, request):
        scheme = get_authorization_header(request).split()[:1]
        if not scheme or scheme[0].lower() != knox_settings.AUTH_HEADER_PREFIX.lower().encode():
            return None  # no token sent (or another scheme): nothing to count
        refuse_if_over_failure_limit(request)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            failed_authentication(request)
            raise

    def authenticate_credentials(self, token: bytes):
        """knox's, with the token and its user read by `tokens_by_key`."""
        try:
            plain = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID) from None
        for auth_token in tokens_by_key(plain[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(plain)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(TOKEN_INVALID) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(TOKEN_INVALID)

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        return False
