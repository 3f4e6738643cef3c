"""`make run` seeds a demo user, organisation and public repository; re-running keeps the data.

The demo token's secret is kept in `$KIZUNA_VAR_DIR/demo-token` (mode 0600, like a local credentials
file: the database holds only its digest), so a re-run prints the same token instead of revoking the
one a terminal or a clone's `.git/config` is using. A token that was revoked, or a missing file, gets
a new token; no token is ever revoked here.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from kizuna.accounts import services
from kizuna.accounts.actors import actor_for_user
from kizuna.accounts import tokens as token_format
from kizuna.accounts.models import Namespace, Token, User

TOKEN_NAME = "make-run demo"


def token_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-token"


def _kept_token(user: User) -> str | None:
    """The secret in the token file, if it still names an active token of `user`."""
    try:
        raw = token_file().read_text().strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    if not raw or not Token.objects.active().filter(user=user, digest=token_format.digest(raw)).exists():
        return None
    return raw


def _keep(raw: str) -> None:
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(raw + "\n")
    os.chmod(path, 0o600)  # an older file keeps its mode through O_TRUNC


class Command(BaseCommand):
    help = "Create the demo user `demo` (password `demo`), org `demo-org` and repo `demo-org/hello`; print a token."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-token", action="store_true", help="print only the token")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the server will listen")

    @transaction.atomic
    def handle(self, *args, quiet_token=False, base_url="http://127.0.0.1:8000", **options):
        from repos import services as repo_services
        from repos.models import Repository

        user = User.objects.filter(username="demo").first()
        if user is None:
            user = services.user_create(login="demo", password="demo", email="demo@example.com")
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            services.user_create(login="admin", password="admin", is_staff=True, is_superuser=True)
        org = Namespace.objects.filter(login="demo-org").first()
        if org is None:
            org = services.org_create(creator=user, login="demo-org", name="Demo organisation")
        if not Repository.objects.filter(namespace=org, name="hello").exists():
            repo_services.repo_create(
                actor=actor_for_user(user), namespace=org, name="hello",
                description="A public demo repository", visibility="public", auto_init=True,
            )
        raw = _kept_token(user)
        if raw is None:
            _, raw = services.token_create(
                kind=Token.Kind.PERSONAL, name=TOKEN_NAME, user=user, created_by=user,
                actor=actor_for_user(user), scopes=["read", "write", "admin"],
            )
            _keep(raw)  # should the transaction roll back, the next run finds no such token and makes one
        if quiet_token:
            self.stdout.write(raw)
            return
        self.stdout.write(
            "\nKizuna demo data is ready.\n"
            "  web sign-in:   demo / demo   (admin: admin / admin at /admin/)\n"
            "  organisation:  demo-org      repository: demo-org/hello (public)\n"
            f"  API token:     {raw}   (kept in {token_file()}; re-runs print the same one)\n\n"
            f"  try:  curl -H 'Authorization: Bearer {raw}' {base_url.rstrip('/')}/api/v1/user\n"
        )
