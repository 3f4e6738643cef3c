"""`make run` seeds a demo user, organisation and public repository; re-running keeps the data."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kizuna.accounts import services
from kizuna.accounts.models import Namespace, Token, User


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
                actor=services.actor_for_user(user), namespace=org, name="hello",
                description="A public demo repository", visibility="public", auto_init=True,
            )
        # A fresh token each run: the secret of an earlier one cannot be shown again.
        Token.objects.filter(user=user, name="make-run demo", revoked_at__isnull=True).update(revoked_at=timezone.now())
        _, raw = services.token_create(
            kind=Token.Kind.PERSONAL, name="make-run demo", user=user, created_by=user,
            actor=services.actor_for_user(user), scopes=["read", "write", "admin"],
        )
        if quiet_token:
            self.stdout.write(raw)
            return
        self.stdout.write(
            "\nKizuna demo data is ready.\n"
            "  web sign-in:   demo / demo   (admin: admin / admin at /admin/)\n"
            "  organisation:  demo-org      repository: demo-org/hello (public)\n"
            f"  API token:     {raw}\n\n"
            f"  try:  curl -H 'Authorization: Bearer {raw}' {base_url.rstrip('/')}/api/v1/user\n"
        )
