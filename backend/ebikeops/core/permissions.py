"""Role-based permissions. Every view names one of these explicitly.

officer   creates operations and records; changes only what they created or lead.
commander reads and changes everything; the only role that deletes and plans.
analyst   reads; sensitive fields are removed by the serializer chosen for the role.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

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


class FieldRecordPermission(BasePermission):
    """Reads for every role; creates for officers and commanders; changes by the owner
    (creator or lead officer) or a commander; deletes by commanders only."""

    message = "Your role may not change this record."

    def has_permission(self, request, view) -> bool:
        role = _role(request)
        if role not in OPERATIONAL_ROLES:
            return False
        if request.method in SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return role == Role.COMMANDER
        return role in (Role.OFFICER, Role.COMMANDER)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS or request.user.role == Role.COMMANDER:
            return True
        return is_owner(request.user, obj)


def is_owner(user, obj) -> bool:
    """Whether `user` created `obj` or leads the operation it belongs to."""
    if getattr(obj, "created_by_id", None) == user.pk:
        return True
    operation = getattr(obj, "operation", obj)
    return (
        getattr(operation, "lead_officer_id", None) == user.pk or getattr(operation, "created_by_id", None) == user.pk
    )


def sees_sensitive_fields(user) -> bool:
    """Analysts never see free-text notes or frame/serial numbers."""
    return getattr(user, "role", None) in (Role.OFFICER, Role.COMMANDER)
