"""The user admin, with every account change in the audit trail (see `accounts`).

`core.admin` registers the user admin; `audit` comes after `core` in INSTALLED_APPS, so its
admin module runs later and replaces that registration with this subclass (core cannot
import audit)."""

from django.contrib import admin
from django.db import transaction

from ebikeops.core.admin import RoleUserAdmin
from ebikeops.core.models import User

from . import accounts


class AuditedUserAdmin(RoleUserAdmin):
    """Records the creation, change (role, flags, names, password) and deletion of accounts
    in the same transaction as the change, with the admin user as actor."""

    def get_object(self, request, object_id, from_field=None):
        user = super().get_object(request, object_id, from_field)
        if user is not None:
            # The stored values, before the form changes the instance (kept on it, in memory).
            user._audit_before = accounts.user_snapshot(user)
            user._audit_password = user.password
        return user

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        self._record_save(request, obj)

    def _record_save(self, request, obj) -> None:
        before = getattr(obj, "_audit_before", None)
        if before is None:
            accounts.user_created(user=obj, actor=request.user)
        else:
            accounts.user_changed(
                user=obj,
                before=before,
                password_changed=obj.password != obj._audit_password,
                actor=request.user,
            )
        obj._audit_before, obj._audit_password = accounts.user_snapshot(obj), obj.password

    def user_change_password(self, request, id, form_url=""):
        # Django's password view saves outside a transaction: one here holds the change and
        # its event together.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
        return response

    def log_change(self, request, obj, message):
        # The password view saves through its form, not save_model: its event is recorded here
        # (for the change form, save_model has recorded it and nothing differs any more).
        if getattr(obj, "_audit_before", None) is not None:
            self._record_save(request, obj)
        return super().log_change(request, obj, message)

    def delete_model(self, request, obj) -> None:
        before = {obj.pk: accounts.user_snapshot(obj)}
        super().delete_model(request, obj)
        accounts.users_deleted(befores=before, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        befores = {user.pk: accounts.user_snapshot(user) for user in queryset}
        super().delete_queryset(request, queryset)
        accounts.users_deleted(befores=befores, actor=request.user)


admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)
