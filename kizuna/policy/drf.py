"""The policy as DRF permission classes: what every REST request passes before its view decides."""

from rest_framework import permissions

from .subjects import check_scope, require_signed_in, require_user


class TokenScopePermission(permissions.BasePermission):
    """The default: safe methods need the `read` scope, others `write` (personal/deploy tokens).

    Anonymous callers may read (objects then apply visibility); unsafe methods need a signed-in
    caller. Views whose action needs more declare `required_scope`.
    """

    def has_permission(self, request, view):
        safe = request.method in permissions.SAFE_METHODS
        if not safe:
            require_signed_in(request.user)
        scope = getattr(view, "required_scope", None) or ("read" if safe else "write")
        if request.user and request.user.is_authenticated:
            check_scope(request.auth, scope)
        return True


class IsSignedIn(permissions.BasePermission):
    def has_permission(self, request, view):
        require_signed_in(request.user)
        return True


class UserCredentialsOnly(permissions.BasePermission):
    """A session or a personal token: agents and deploy tokens get 403."""

    def has_permission(self, request, view):
        require_user(request.user)
        return True
