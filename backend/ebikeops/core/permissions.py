"""Role-based permissions. Every view names one of these (or an app's own) explicitly.

officer   logs operations and records in the field.
commander reads and changes everything; the only role that deletes and plans.
analyst   reads; sensitive fields are removed by the serializer chosen for the role.

Who may change or delete a particular field record is ebikeops.operations.policies.
"""

from rest_framework.permissions import BasePermission

from .models import OPERATIONAL_ROLES, Role


def _role(request) -> str | None:
    user = request.user
    if not (user and user.is_authenticated):
        return None
    return getattr(user, "role", None)


class IsAnyRole(BasePermission):
    """Any authenticated user with an operational role (not auditors); read-only endpoints."""

    def has_permission(self, request, view) -> bool:
        return _role(request) in OPERATIONAL_ROLES


class IsCommander(BasePermission):
    message = "Only commanders may do this."

    def has_permission(self, request, view) -> bool:
        return _role(request) == Role.COMMANDER


class IsFieldRole(BasePermission):
    """Officers and commanders: the roles that log field records, sync, see photos and plan."""

    message = "Only officers and commanders may do this."

    def has_permission(self, request, view) -> bool:
        return _role(request) in (Role.OFFICER, Role.COMMANDER)


class IsCommanderOrAnalyst(BasePermission):
    message = "Only commanders and analysts may read this."

    def has_permission(self, request, view) -> bool:
        return _role(request) in (Role.COMMANDER, Role.ANALYST)


def sees_sensitive_fields(user) -> bool:
    """Analysts never see free-text notes or frame/serial numbers."""
    return getattr(user, "role", None) in (Role.OFFICER, Role.COMMANDER)
