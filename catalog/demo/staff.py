"""The demo's staff accounts: "admin" (superuser) and, when an Editors group exists, "editor".

The password comes from MARQUEE_ADMIN_PASSWORD, or is generated once and kept in
<VAR_DIR>/admin-password.txt (mode 0600) so that every later run prints the same one.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.permissions import EDITORS_GROUP

PASSWORD_ENV = "MARQUEE_ADMIN_PASSWORD"  # noqa: S105 - the variable's name, not a password
PASSWORD_FILE = "admin-password.txt"  # noqa: S105 - a file name


@dataclass(frozen=True)
class StaffAccount:
    username: str
    password: str | None  # None when the account already had another password, which we leave alone
    created: bool


def ensure_staff_accounts(*, var_dir: Path) -> list[StaffAccount]:
    """Create (or keep) the admin account, and the editor account when an Editors group exists."""
    explicit = os.environ.get(PASSWORD_ENV, "")
    password = explicit or _saved_password(var_dir)
    accounts = [_ensure_account("admin", password, force=bool(explicit), superuser=True)]
    editors = Group.objects.filter(name=EDITORS_GROUP).first()
    if editors is not None:
        accounts.append(_ensure_account("editor", password, force=bool(explicit), superuser=False, group=editors))
    return accounts


def _saved_password(var_dir: Path) -> str:
    path = Path(var_dir) / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    # O_EXCL + 0600 at creation: the file is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def _ensure_account(username: str, password: str, *, force: bool, superuser: bool, group=None) -> StaffAccount:
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username, is_staff=True, is_superuser=superuser)
        user.set_password(password)
        user.save()
    else:
        _grant_staff(user, superuser)
        # Someone changed the password since: keep theirs unless the environment asks for ours.
        if not user.check_password(password):
            if not force:
                return StaffAccount(username, None, False)
            user.set_password(password)
            user.save(update_fields=["password"])
    if group is not None:
        user.groups.add(group)
    return StaffAccount(username, password, created)


def _grant_staff(user, superuser: bool) -> None:
    wanted = {"is_staff": True, "is_active": True} | ({"is_superuser": True} if superuser else {})
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, wanted[field])
    if changed:
        user.save(update_fields=changed)
