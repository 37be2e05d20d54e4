from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import PrivacyChange, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "source", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "source", "groups")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Profile", {"fields": ("age", "gender", "occupation", "postcode", "source")}),
        # Read-only: only the user changes their privacy settings, so that the log stays theirs.
        ("Privacy", {"fields": ("personalization", "history_paused")}),
    )
    readonly_fields = ("personalization", "history_paused")


@admin.register(PrivacyChange)
class PrivacyChangeAdmin(admin.ModelAdmin):
    """The audit trail of users' privacy choices; nobody edits it by hand."""

    list_display = ("changed_at", "user", "setting", "value")
    list_filter = ("setting",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    date_hierarchy = "changed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
