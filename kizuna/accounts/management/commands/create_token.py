from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models.functions import Lower
from django.utils import timezone

from kizuna.accounts import services
from kizuna.accounts.actors import actor_for_user
from kizuna.accounts.models import Token, User
from kizuna.api.errors import ValidationFailed


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (alone) on stdout."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--scopes", default="read,write", help="comma-separated: read,write,admin")
        parser.add_argument("--expires-in-days", type=int, default=None)

    def handle(self, *args, username, name, scopes, expires_in_days, **options):
        user = User.objects.annotate(l=Lower("username")).filter(l=username.lower()).first()
        if user is None:
            raise CommandError(f"no such user: {username}")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1")
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            _, raw = services.token_create(
                kind=Token.Kind.PERSONAL, name=name, user=user, created_by=user,
                actor=actor_for_user(user), scopes=[s.strip() for s in scopes.split(",") if s.strip()],
                expires_at=expires_at,
            )
        except ValidationFailed as exc:
            raise CommandError(str(exc.details)) from None
        self.stdout.write(raw)
