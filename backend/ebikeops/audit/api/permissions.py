from rest_framework.permissions import BasePermission

from ebikeops.core.models import Role


class IsAuditorOrCommander(BasePermission):
    """Auditors and commanders read the audit trail and record histories. Nobody changes it:
    the views have no write methods (405 for these roles, 403 for the others)."""

    message = "Only auditors and commanders may read the audit trail."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "role", None) in (Role.AUDITOR, Role.COMMANDER))
