"""Bearer-token authentication, one class per token kind sharing `resolve_credentials`.

The header is parsed and looked up once per request; the result is cached on the Django request so
the rate limiter (which runs before DRF) and DRF's authentication share it.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from kizuna import policy
from kizuna.accounts import tokens as token_format
from kizuna.accounts.models import Token
from kizuna.accounts.principals import TokenPrincipal

BAD_CREDENTIALS = "Bad credentials"
LAST_USED_RESOLUTION = timedelta(minutes=1)
_UNSET = object()
# What each kind of token's principal is built from, joined into the one lookup query (the other
# relations of a token are null for that kind). A person's Actor row too: every write names it
# (kizuna.accounts.actors.actor_for_user reads it off the user), so a write pays no query for it.
RELATED_BY_KIND = {
    Token.Kind.PERSONAL: ("user", "user__actor"),
    # An agent's Actor and its operator's too: every agent write names both (actor_for_agent).
    Token.Kind.AGENT: ("agent__operator__actor", "agent__actor"),
    Token.Kind.DEPLOY: ("repository",),
    Token.Kind.JOB: ("repository",),
}


class AgentSuspended(exceptions.PermissionDenied):
    default_detail = "This agent is suspended"


def bearer_token(request) -> str | None:
    """The raw token from `Authorization: Bearer …`, '' for a malformed header, None without one."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""
    return value.strip()


def _touch(model, pk, field: str, current) -> None:
    """Write a last-used timestamp at most once a minute (a conditional UPDATE, no extra read)."""
    now = timezone.now()
    if current is not None and now - current < LAST_USED_RESOLUTION:
        return
    stale = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now - LAST_USED_RESOLUTION})
    model.objects.filter(stale, pk=pk).update(**{field: now})


def lookup_token(raw: str):
    """(principal, token) for a valid, active token string; raises AuthenticationFailed otherwise."""
    kind = token_format.parse_kind(raw)
    if kind is None:  # wrong shape or checksum: rejected before any query
        raise exceptions.AuthenticationFailed(BAD_CREDENTIALS)
    token = Token.objects.by_digest(kind, token_format.digest(raw), RELATED_BY_KIND[kind])
    if token is None or not token.is_active:
        raise exceptions.AuthenticationFailed(BAD_CREDENTIALS)
    if kind == Token.Kind.PERSONAL:
        if token.user is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(BAD_CREDENTIALS)
        principal = token.user
    elif kind == Token.Kind.AGENT:
        agent = token.agent
        if agent is None or not agent.operator.is_active:
            raise exceptions.AuthenticationFailed(BAD_CREDENTIALS)
        if agent.is_suspended:
            raise AgentSuspended()
        _touch(type(agent), agent.pk, "last_seen_at", agent.last_seen_at)
        principal = agent
    else:  # deploy and job tokens are bound to one repository
        if kind == Token.Kind.JOB and not policy.job_token_alive(token):
            raise exceptions.AuthenticationFailed(BAD_CREDENTIALS)
        principal = TokenPrincipal(token=token)
    _touch(Token, token.pk, "last_used_at", token.last_used_at)
    return principal, token


def resolve_credentials(request):
    """Cached (principal, token) | None; re-raises the same auth error on every call."""
    cached = getattr(request, "_kizuna_credentials", _UNSET)
    if cached is _UNSET:
        raw = bearer_token(request)
        if raw is None:
            cached = None
        else:
            try:
                if not raw:
                    raise exceptions.AuthenticationFailed(BAD_CREDENTIALS)
                cached = lookup_token(raw)
            except exceptions.APIException as exc:
                cached = exc
        request._kizuna_credentials = cached
    if isinstance(cached, Exception):
        raise cached
    return cached


class _BearerAuthentication(authentication.BaseAuthentication):
    """Answers for the token kinds in `kinds`; returns None for other kinds so the next class tries."""

    kinds: frozenset[str] = frozenset()
    handles_malformed = False

    def authenticate(self, request):
        raw = bearer_token(request._request)
        if raw is None:
            return None
        kind = token_format.KIND_BY_PREFIX.get(raw[:4])
        if kind in self.kinds or (kind is None and self.handles_malformed):
            return resolve_credentials(request._request)
        return None

    def authenticate_header(self, request):
        return 'Bearer realm="kizuna"'


class PersonalTokenAuthentication(_BearerAuthentication):
    kinds = frozenset({token_format.PERSONAL})
    handles_malformed = True


class AgentTokenAuthentication(_BearerAuthentication):
    kinds = frozenset({token_format.AGENT})


class DeployTokenAuthentication(_BearerAuthentication):
    kinds = frozenset({token_format.DEPLOY, token_format.JOB})


class SessionAuthentication(authentication.SessionAuthentication):
    """Browser sessions (admin, Swagger UI, EventSource); CSRF-checked for unsafe methods."""


def _first_bearer_class(view):
    for authenticator in view.get_authenticators():
        if isinstance(authenticator, _BearerAuthentication):
            return type(authenticator)
    return None


class BearerSchemeExtension(OpenApiAuthenticationExtension):
    """The three bearer classes (personal, agent, deploy) are one OpenAPI scheme, `bearerAuth`.

    Only the view's first bearer class registers the component and the security requirement, so the
    schema lists the scheme once and drf-spectacular sees no colliding components.
    """

    target_class = "kizuna.api.authentication._BearerAuthentication"
    match_subclasses = True
    priority = 1
    name = "bearerAuth"

    def _is_first(self, auto_schema) -> bool:
        return _first_bearer_class(auto_schema.view) is type(self.target)

    def get_security_requirement(self, auto_schema):
        # Called before `name` is read: the second and third bearer classes register nothing.
        first = self._is_first(auto_schema)
        self.name = "bearerAuth" if first else []
        return {"bearerAuth": []} if first else None

    def get_security_definition(self, auto_schema):
        if not self._is_first(auto_schema):
            return []
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal (`kzp_`), agent (`kza_`) or deploy (`kzd_`) token: "
            "`Authorization: Bearer <token>`.",
        }


class SessionSchemeExtension(OpenApiAuthenticationExtension):
    """Browser sessions (the Django admin sign-in, Swagger UI): the session cookie."""

    target_class = "kizuna.api.authentication.SessionAuthentication"
    name = "cookieAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
