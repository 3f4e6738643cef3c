"""Who is calling: a User, an Agent, a deploy token's identity, or anonymous.

`request.user` holds one of these. Users are Django users; agents are `agents.Agent` rows (which
carry `is_authenticated`); deploy and job tokens are wrapped in `TokenPrincipal`.
"""

from dataclasses import dataclass, field

from .models import Token


@dataclass(eq=False)
class TokenPrincipal:
    """A repository-bound credential: a deploy token, or a pipeline job's clone token."""

    token: Token
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False
    is_active: bool = True
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def pk(self):
        return self.token.pk

    id = pk

    @property
    def login(self) -> str:
        return f"deploy-{self.token.pk}"

    @property
    def repository_id(self) -> int:
        return self.token.repository_id

    @property
    def scopes(self) -> list[str]:
        return list(self.token.scopes or [])


def principal_kind(principal) -> str:
    """'anonymous' | 'user' | 'agent' | 'deploy'."""
    if principal is None or not getattr(principal, "is_authenticated", False):
        return "anonymous"
    if isinstance(principal, TokenPrincipal):
        return "deploy"
    from agents.models import Agent

    if isinstance(principal, Agent):
        return "agent"
    return "user"
