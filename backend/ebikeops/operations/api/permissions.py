"""Permissions of the field-record endpoints, from the one policy in ebikeops.operations.policies."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from ebikeops.core.models import OPERATIONAL_ROLES

from .. import policies


class FieldRecordPermission(BasePermission):
    """Reads for every operational role (not auditors); creates for officers and commanders; changes by the owner
    (creator or lead officer) or a commander; deletes by commanders only."""

    message = "Your role may not change this record."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and getattr(user, "role", None) in OPERATIONAL_ROLES):
            return False
        if request.method in SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return policies.can_delete(user)
        return policies.can_create(user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return policies.can_delete(request.user, obj)
        return policies.can_change(request.user, obj)
