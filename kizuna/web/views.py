"""Small server-rendered pages for people: sign in/out and Settings → API Tokens / Agents.

They call the same services as the API; no rule is written twice.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from kizuna.accounts import services as account_services
from kizuna.accounts.models import Token
from kizuna.api.errors import ValidationFailed

from .forms import TokenForm


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return "/settings/tokens"


class LogoutView(auth_views.LogoutView):
    next_page = "/login"
    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):  # a link works as well as the form button
        return self.post(request, *args, **kwargs)


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
                actor=account_services.actor_for_user(request.user), scopes=form.cleaned_data["scopes"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Token “{token.name}” created. Copy it now: it will not be shown again.")
            form = TokenForm()
    listing = Token.objects.filter(user=request.user, kind=Token.Kind.PERSONAL).order_by("-created_at", "-id")
    return render(request, "web/tokens.html", {"form": form, "tokens": listing, "new_token": new_token, "now": timezone.now()})


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(Token, pk=token_id, user=request.user, kind=Token.Kind.PERSONAL)
    account_services.token_revoke(token=token, actor=account_services.actor_for_user(request.user))
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("web-tokens")
