"""API tokens: hashed at rest (django-rest-knox), expiring after a shift, rotated and revoked.

The plain token exists only in the answer that issues it (an API response or a command's
output); the database keeps its SHA-512 digest and the first characters to find it by.
Clients send it as `Authorization: Token <token>`, the header DRF's own tokens used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

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
        try:
            plain = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID) from None
        return super().authenticate_credentials(plain.encode())

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        return False
