"""Users, namespaces (personal and organisations), memberships, actors and tokens."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from kizuna.statements import Param, statement

LOGIN_RE = r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$"
login_validator = RegexValidator(LOGIN_RE, "1-39 letters, digits or single hyphens, not starting or ending with a hyphen")


class KizunaUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person. `username` is their login and the name of their personal namespace."""

    username = models.CharField(max_length=39, unique=True, validators=[login_validator])
    objects = KizunaUserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("username"), name="user_login_ci_unique")]

    @property
    def login(self) -> str:
        return self.username


class Role(models.TextChoices):
    READ = "read"
    WRITE = "write"
    MAINTAIN = "maintain"
    ADMIN = "admin"




class Namespace(models.Model):
    """An owner of repositories: a user's personal namespace or an organisation. One name space."""

    class Kind(models.TextChoices):
        USER = "User"
        ORGANIZATION = "Organization"

    login = models.CharField(max_length=39, validators=[login_validator])
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.CASCADE, related_name="namespace")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("login"), name="namespace_login_ci_unique")]

    def __str__(self):
        return self.login

    @property
    def is_org(self) -> bool:
        return self.kind == self.Kind.ORGANIZATION


class Membership(models.Model):
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["namespace", "user"], name="membership_unique")]
        indexes = [models.Index(fields=["namespace", "role"])]

    def __str__(self):
        return f"{self.user} in {self.namespace} ({self.role})"


class Actor(models.Model):
    """Who did something: a user, an agent or a deploy token. Everything authored points here.

    The actor JSON `{id, login, type}` is built from this row alone: `user_id`, `agent_id` (a UUID)
    and `deploy_token_id` are local columns, so no join is needed to render an author.
    """

    class Type(models.TextChoices):
        USER = "User"
        AGENT = "Agent"
        DEPLOY = "Deploy"

    type = models.CharField(max_length=6, choices=Type.choices)
    login = models.CharField(max_length=64)
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.CASCADE, related_name="actor")
    agent = models.OneToOneField("agents.Agent", null=True, blank=True, on_delete=models.CASCADE, related_name="actor")
    deploy_token = models.OneToOneField("accounts.Token", null=True, blank=True, on_delete=models.CASCADE, related_name="actor")

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("login"), name="actor_login_ci_unique", condition=~models.Q(type="Deploy")),
        ]

    def __str__(self):
        return f"{self.login} ({self.type})"

    @property
    def public_id(self):
        if self.type == self.Type.USER:
            return self.user_id
        if self.type == self.Type.AGENT:
            return str(self.agent_id)
        return self.deploy_token_id

    def as_json(self) -> dict:
        return actor_json(self.pk, self.login, self.type, self.user_id, self.agent_id, self.deploy_token_id)


def actor_json(pk, login, type, user_id, agent_id, deploy_token_id) -> dict:
    """`{id, login, type}` from an actor's columns (lists read them with values_list, no instances).
    The public id is the user's id, the agent's UUID, or the deploy token's id."""
    if type == "User":  # Actor.Type.USER
        public_id = user_id
    elif type == "Agent":  # Actor.Type.AGENT
        public_id = str(agent_id)
    else:
        public_id = deploy_token_id
    return {"id": public_id, "login": login, "type": type}


class TokenQuerySet(models.QuerySet):
    def by_digest(self, kind: str, digest: str, related: tuple[str, ...] = ()):
        """The token of `kind` with `digest`, with the `related` relations joined; None if there is none.
        Every token-authenticated request starts here: the statement is compiled once per kind
        (kizuna.statements), not on every request."""
        values = {"digest": digest}

        def build():  # from the plain manager, as repos' by_path
            return self.model._base_manager.select_related(*related).filter(
                Exact(F("digest"), Param("digest", digest)), kind=kind)[:1]  # no ORDER BY: the digest is unique

        found = statement(("accounts.token", kind, related), build, values, using=self.db).instances(values)
        return found[0] if found else None

    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class Token(models.Model):
    """An API credential. Only the SHA-256 digest of the secret is stored."""

    class Kind(models.TextChoices):
        PERSONAL = "personal"
        AGENT = "agent"
        DEPLOY = "deploy"
        JOB = "job"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the secret, enough for a person to recognise it; not enough to use it.
    hint = models.CharField(max_length=12, editable=False)
    scopes = models.JSONField(default=list)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="tokens")
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.CASCADE, related_name="tokens")
    repository = models.ForeignKey("repos.Repository", null=True, blank=True, on_delete=models.CASCADE, related_name="tokens")
    # Job tokens (pipelines) belong to one job; kept generic here as its primary key.
    job_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    internal = models.BooleanField(default=False, help_text="Deploy tokens only: the Internal rate-limit tier")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["user", "kind", "created_at"]),
            models.Index(fields=["repository", "kind", "created_at"]),
            models.Index(fields=["agent", "kind"]),
        ]

    def __str__(self):
        return f"{self.name} ({self.kind}, {self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
