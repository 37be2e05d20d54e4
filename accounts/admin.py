from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "source", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "source", "groups")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Profile", {"fields": ("age", "gender", "occupation", "postcode", "source")}),
    )
