"""Small server-rendered pages for people: sign in/out and Settings → API Tokens / Agents.

They call the same services as the API; no rule is written twice.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.accounts import services as account_services
from kizuna.accounts.actors import actor_for_user
from kizuna import policy
from kizuna.accounts.models import Token
from kizuna.api.errors import Forbidden, ValidationFailed

from .forms import AgentForm, TokenForm, TrustForm, trust_choices_for


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return "/settings/tokens"


def sign_in_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a sign-in while the account or the client address is locked out
    (/login and /admin/login/): 429 with Retry-After, the cool-off (settings.AXES_COOLOFF_TIME)."""
    from django.conf import settings

    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(request, "web/locked_out.html", {"minutes": max(1, round(seconds / 60))}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule since 5.0): a GET that signed out would let any page sign a user out
    with an <img>. The header's "Sign out" is a form with a CSRF token."""

    next_page = "/login"


def _form_errors(form, exc: ValidationFailed) -> None:
    for field, msgs in exc.details.items():
        form.add_error(field if field in form.fields else None, "; ".join(msgs))


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    new_token = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        try:
            token, new_token = account_services.token_create(
                kind=Token.Kind.PERSONAL, name=form.cleaned_data["name"], user=request.user, created_by=request.user,
                actor=actor_for_user(request.user), scopes=form.cleaned_data["scopes"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Token “{token.name}” created. Copy it now: it will not be shown again.")
            form = TokenForm()
    listing = policy.restrict(request.user, Token.objects.all()).order_by("-created_at", "-id")
    return _showing_secret(render(request, "web/tokens.html", {"form": form, "tokens": listing, "new_token": new_token,
                                                               "now": timezone.now()}))


def _showing_secret(response):
    """A page that may show a new secret: never cached, by the browser or anything between."""
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(policy.restrict(request.user, Token.objects.all()), pk=token_id)
    account_services.token_revoke(token=token, actor=actor_for_user(request.user))
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("web-tokens")


def _operated_agents(user):
    from agents.models import Agent

    return Agent.objects.select_related("operator").filter(policy.agents_q(user)).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def agents(request):
    from agents import services as agent_services

    new_token = new_token_agent = None
    form = AgentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            agent, new_token = agent_services.agent_register(
                operator=request.user, actor=actor_for_user(request.user), **form.cleaned_data
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except Forbidden as exc:
            form.add_error("trust_level", exc.message)
        else:
            new_token_agent = agent
            messages.success(request, f"Agent “{agent.name}” registered. Copy its token now: it will not be shown again.")
            form = AgentForm(user=request.user)
    return _agents_page(request, form, new_token=new_token, new_token_agent=new_token_agent)


def _agents_page(request, form, *, new_token=None, new_token_agent=None):
    """The agents page; a new token is rendered into this response only — never kept in the session or
    a message for a later one (Kizuna stores a token's digest and nothing else)."""
    return _showing_secret(render(request, "web/agents.html", {
        "form": form, "agents": _operated_agents(request.user), "new_token": new_token,
        "new_token_agent": new_token_agent, "trust_choices": trust_choices_for(request.user),
    }))


@login_required
@require_POST
def agent_action(request, agent_id, action: str):
    """Change trust, rotate the token, suspend or reactivate — through the agents services."""
    from agents import services as agent_services

    agent = get_object_or_404(_operated_agents(request.user), pk=agent_id)
    actor = actor_for_user(request.user)
    try:
        if action == "trust":
            form = TrustForm(request.POST, user=request.user)
            if not form.is_valid():
                messages.error(request, "Choose a trust level you may grant.")
                return redirect("web-agents")
            agent_services.agent_update(agent=agent, actor=actor, by=request.user, trust_level=form.cleaned_data["trust_level"])
            messages.success(request, f"“{agent.name}” now has trust level {form.cleaned_data['trust_level']}.")
        elif action == "rotate":
            _, raw = agent_services.agent_rotate_token(agent=agent, actor=actor, by=request.user)
            messages.success(request, f"New token for “{agent.name}”; the old one stopped working. Copy it now.")
            # Shown in this response (no redirect): the secret never waits in the session for the next one.
            return _agents_page(request, AgentForm(user=request.user), new_token=raw, new_token_agent=agent)
        elif action in ("suspend", "activate"):
            status = agent.Status.SUSPENDED if action == "suspend" else agent.Status.ACTIVE
            agent_services.agent_update(agent=agent, actor=actor, by=request.user, status=status)
            messages.success(request, f"“{agent.name}” is {status}.")
    except (ValidationFailed, Forbidden) as exc:
        messages.error(request, exc.message if isinstance(exc, Forbidden) else "; ".join(sum(exc.details.values(), [])))
    return redirect("web-agents")
