"""Namespaces (personal and organisations): creating repositories, members, organisation settings."""

from kizuna.api.errors import Forbidden

from .repositories import check_rule, namespace_role
from .rules import CREATE_REPO, MANAGE_MEMBERS, NAMESPACE_ADMIN, SEE_MEMBERS
from .subjects import require_signed_in, require_user


def check_create_repo(principal, namespace, *, token=None) -> None:
    """`write` in an organisation (a personal namespace's owner is its admin); agents need Standard
    trust — what they then do inside the repository stays trust-capped."""
    if require_signed_in(principal) == "deploy":
        raise Forbidden("Deploy tokens cannot create repositories")
    check_rule(principal, CREATE_REPO, role=namespace_role(principal, namespace), token=token,
               what=f"in {namespace.login} to create repositories")


def check_namespace_admin(principal, namespace, *, token=None) -> None:
    """Organisation-level settings (org webhooks)."""
    if require_signed_in(principal) == "deploy":
        raise Forbidden("Deploy tokens cannot manage organisations")
    check_rule(principal, NAMESPACE_ADMIN, role=namespace_role(principal, namespace), token=token,
               what=f"in {namespace.login}")


def check_members(principal, org, *, manage: bool, token=None) -> None:
    """Members see the member list (others 403); only people with the admin role change it."""
    role = namespace_role(principal, org) if require_signed_in(principal) != "deploy" else None
    if role is None:
        raise Forbidden("Only members can see or manage an organization's members")
    if not manage:
        check_rule(principal, SEE_MEMBERS, role=role, token=token, what=f"in {org.login}")
        return
    require_user(principal)
    check_rule(principal, MANAGE_MEMBERS, role=role, token=token, what=f"in {org.login} to manage members")
