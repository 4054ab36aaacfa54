from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    list_display = ("username", "role", "team", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Role", {"fields": ("role", "team")}))
