"""Every write to accounts: users, organisations, memberships and tokens (actors: actors.py)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from kizuna.api.errors import ValidationFailed
from kizuna.events.log import emit_event
from kizuna.statements import insert

from . import tokens as token_format
from .actors import actor_for_user
from .models import Actor, Membership, Namespace, Role, Token, User

PERSONAL_SCOPES = ("read", "write", "admin")
DEPLOY_SCOPES = ("read", "write")
DEFAULT_SCOPES = ["read", "write"]


# --- names ----------------------------------------------------------------------------------------
def login_taken(login: str) -> bool:
    """Logins of users, organisations and agents share one name space (case-insensitive)."""
    lowered = login.lower()
    return (
        Namespace.objects.annotate(l=Lower("login")).filter(l=lowered).exists()
        or Actor.objects.exclude(type=Actor.Type.DEPLOY).annotate(l=Lower("login")).filter(l=lowered).exists()
    )


# --- users and organisations ----------------------------------------------------------------------
@transaction.atomic
def user_create(*, login: str, password: str | None = None, email: str = "", is_staff: bool = False, is_superuser: bool = False) -> User:
    if login_taken(login):
        raise ValidationFailed({"login": ["already exists"]})
    user = User(username=login, email=email, is_staff=is_staff, is_superuser=is_superuser)
    user.full_clean(exclude=["password"])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    ensure_personal_namespace(user)
    actor_for_user(user)
    return user


def ensure_personal_namespace(user: User) -> Namespace:
    namespace, _ = Namespace.objects.get_or_create(user=user, defaults={"login": user.username, "kind": Namespace.Kind.USER})
    return namespace


@transaction.atomic
def org_create(*, creator: User, login: str, name: str = "", description: str = "") -> Namespace:
    if login_taken(login):
        raise ValidationFailed({"login": ["already exists"]})
    org = Namespace(login=login, kind=Namespace.Kind.ORGANIZATION, name=name or "", description=description or "")
    org.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise ValidationFailed({"login": ["already exists"]}) from None
    Membership.objects.create(namespace=org, user=creator, role=Role.ADMIN)
    actor = actor_for_user(creator)
    emit_event(type="organization.created", actor=actor, namespace=org, payload={"organization": {"id": org.pk, "login": org.login}})
    emit_event(
        type="member.added", actor=actor, namespace=org, subject=actor,
        payload={"member": {"login": creator.username, "role": Role.ADMIN}},
    )
    return org


def _admin_count(org: Namespace) -> int:
    return Membership.objects.filter(namespace=org, role=Role.ADMIN).count()


@transaction.atomic
def member_set(*, actor: Actor, org: Namespace, user: User, role: str) -> Membership:
    # Lock the org's memberships so two concurrent demotions cannot both leave it without an admin.
    list(Membership.objects.select_for_update().filter(namespace=org, role=Role.ADMIN))
    membership = Membership.objects.filter(namespace=org, user=user).first()
    member_actor = actor_for_user(user)
    if membership is None:
        membership = Membership.objects.create(namespace=org, user=user, role=role)
        emit_event(type="member.added", actor=actor, namespace=org, subject=member_actor,
                   payload={"member": {"login": user.username, "role": role}})
        return membership
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and _admin_count(org) <= 1:
        raise ValidationFailed({"role": ["the last admin of an organization cannot be demoted"]})
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    emit_event(type="member.changed", actor=actor, namespace=org, subject=member_actor,
               payload={"member": {"login": user.username, "role": role}, "changes": {"role": {"from": previous}}})
    return membership


@transaction.atomic
def member_remove(*, actor: Actor, org: Namespace, membership: Membership) -> None:
    list(Membership.objects.select_for_update().filter(namespace=org, role=Role.ADMIN))
    if membership.role == Role.ADMIN and _admin_count(org) <= 1:
        raise ValidationFailed({"login": ["the last admin of an organization cannot be removed"]})
    user = membership.user
    membership.delete()
    emit_event(type="member.removed", actor=actor, namespace=org, subject=actor_for_user(user),
               payload={"member": {"login": user.username}})


# --- tokens ---------------------------------------------------------------------------------------
def _clean_scopes(scopes, allowed: tuple[str, ...]) -> list[str]:
    if scopes is None:
        return list(DEFAULT_SCOPES)
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
        raise ValidationFailed({"scopes": ["must be a list of strings"]})
    unknown = sorted(set(scopes) - set(allowed))
    if unknown:
        raise ValidationFailed({"scopes": [f"unknown scope(s): {', '.join(unknown)}; allowed: {', '.join(allowed)}"]})
    if not scopes:
        raise ValidationFailed({"scopes": ["at least one scope is required"]})
    return [s for s in allowed if s in scopes]


@transaction.atomic
def token_create(
    *,
    kind: str,
    name: str,
    actor: Actor | None,
    user: User | None = None,
    agent=None,
    repository=None,
    scopes=None,
    expires_at: datetime | None = None,
    created_by: User | None = None,
    job_id: int | None = None,
    emit: bool = True,
) -> tuple[Token, str]:
    """Create a token and return it with its secret — the only time the secret exists in clear."""
    if kind == Token.Kind.PERSONAL:
        scopes = _clean_scopes(scopes, PERSONAL_SCOPES)
    elif kind == Token.Kind.DEPLOY:
        scopes = _clean_scopes(scopes, DEPLOY_SCOPES)
    elif kind == Token.Kind.JOB:
        scopes = ["read"]
    else:
        scopes = []
    token, raw = _new_token(kind=kind, name=name, scopes=scopes, user=user, agent=agent, repository=repository,
                            expires_at=expires_at, created_by=created_by, job_id=job_id)
    if emit and actor is not None:
        emit_event(type="token.created", actor=actor, repository=repository, payload={"token": token_payload(token)})
    return token, raw


JOB_TOKEN_PREFIX = "job-"  # a job token's name: the prefix and its job's id


def job_token_create(*, job_id: int, repository, expires_at: datetime) -> tuple[Token, str]:
    """A job's token (read-only on its one repository, no event: the claim's job.status_changed says it).

    For a job claim, inside the claim's transaction: a single INSERT, without token_create's savepoint
    (nothing here is caught and retried, so a failure rolls the whole claim back anyway)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a job token is minted inside its claim's transaction")
    return _new_token(kind=Token.Kind.JOB, name=f"{JOB_TOKEN_PREFIX}{job_id}", scopes=["read"], repository=repository,
                      expires_at=expires_at, job_id=job_id)


def job_token_unsaved(**fields) -> tuple[Token, str]:
    """A job token not yet written, for a claim that writes it in its own statement (the job's id,
    name, repository and expiry come from the claimed row: pipelines.services.jobs)."""
    return _token_instance(kind=Token.Kind.JOB, name="", scopes=["read"], **fields)


def _token_instance(*, kind: str, name: str, scopes: list[str], **fields) -> tuple[Token, str]:
    raw = token_format.generate(kind)
    return Token(kind=kind, name=name, digest=token_format.digest(raw), hint=raw[:8], scopes=scopes, **fields), raw


def _new_token(**fields) -> tuple[Token, str]:
    token, raw = _token_instance(**fields)
    return insert(token), raw


def token_payload(token: Token) -> dict:
    return {"id": token.pk, "name": token.name, "kind": token.kind, "scopes": token.scopes}


@transaction.atomic
def token_revoke(*, token: Token, actor: Actor | None, emit: bool = True) -> Token:
    from django.utils import timezone

    updated = Token.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    if updated and emit and actor is not None:
        emit_event(type="token.revoked", actor=actor, repository=token.repository, payload={"token": token_payload(token)})
    return token


