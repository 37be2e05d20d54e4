"""Account pages: sign up, log in and out, profile, and the self-serve privacy controls.

Password change and reset use Django's own views with our templates (see urls.py).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.export import export_data
from accounts.forms import ConfirmPasswordForm, PrivacyForm, ProfileForm, SignUpForm
from accounts.ratelimit import client_address, rate_limited


def _address(request: HttpRequest) -> list[str]:
    return [f"ip:{client_address(request)}"]


def _address_and_username(request: HttpRequest) -> list[str]:
    # Per address stops one client guessing many accounts; per username stops many clients
    # guessing one account's password.
    username = request.POST.get("username", "").strip().lower()[:150]
    return [f"ip:{client_address(request)}", f"username:{username}" if username else ""]


@method_decorator(rate_limited("login", keys=_address_and_username), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
@rate_limited("signup", keys=_address)
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("catalog:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to Marquee, {user.username}!")
        return redirect("catalog:home")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def privacy(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"personalization": user.personalization, "history_paused": user.history_paused}
    form = PrivacyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = services.update_privacy(user, **form.cleaned_data)
        messages.success(request, "Your privacy settings are saved." if changed else "Nothing changed.")
        return redirect("accounts:privacy")
    changes = user.privacy_changes.all()[:20]
    return render(request, "accounts/privacy.html", {"form": form, "changes": changes})


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    document = json.dumps(export_data(request.user), indent=2, ensure_ascii=False)
    response = HttpResponse(document, content_type="application/json; charset=utf-8")
    filename = f"marquee-{request.user.username}-{timezone.now():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def delete_history(request: HttpRequest) -> HttpResponse:
    removed = services.delete_history(request.user)
    messages.success(request, f"Your history is deleted ({removed} record{'s' if removed != 1 else ''}).")
    return redirect("accounts:privacy")


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = ConfirmPasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.erase_account(request.user)
        logout(request)
        messages.success(request, "Your account and everything we held about you are deleted.")
        return redirect("catalog:home")
    return render(request, "accounts/delete_account.html", {"form": form}, status=400 if form.errors else 200)
