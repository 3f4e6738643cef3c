"""django-csp's middleware with the settings' policy built once.

django-csp 4 rebuilds the Content-Security-Policy string from settings for every response, twice
(enforced and report-only): ~8 % of a `GET /api/v1/user`. Most responses use the settings' policy
unchanged, so its strings are built once per process (again when the settings change, as tests do)
and set as they are. A response whose policy varies — a nonce used, django-csp's decorators
(config, update, replace, exempt), excluded URL prefixes, DEBUG's 404/500 pages — goes through
django-csp's own `process_response`, which decides everything as before.
"""

from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, PolicyParts
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from kizuna.api.on_loop import OnLoop

SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
DEBUG_EXEMPT_STATUSES = (404, 500)  # django-csp leaves Django's debug pages alone


@cache
def settings_policies() -> tuple[str, str]:
    """(enforced, report-only) for the settings as they stand; "" where a policy is not configured."""
    return build_policy(), build_policy(report_only=True)


@cache
def has_excluded_prefixes() -> bool:
    return any((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") for name in SETTINGS)


@receiver(setting_changed)
def _settings_changed(setting, **kwargs):
    if setting in SETTINGS:
        settings_policies.cache_clear()
        has_excluded_prefixes.cache_clear()


class CSPMiddleware(OnLoop, BaseCSPMiddleware):
    """Under ASGI its phases run on the event loop (kizuna/api/on_loop.py): they only read settings and headers."""

    def process_response(self, request, response):
        if self._policy_varies(request, response):
            return super().process_response(request, response)
        enforced, report_only = settings_policies()
        if enforced and HEADER not in response:
            response[HEADER] = enforced
        if report_only and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = report_only
        # As django-csp does: a nonce asked for after the header was written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    def _policy_varies(self, request, response) -> bool:
        return (
            self.get_policy_parts(request=request, response=response) != PolicyParts()
            or self.get_policy_parts(request=request, response=response, report_only=True) != PolicyParts()
            or getattr(response, "_csp_exempt", False) is not False
            or getattr(response, "_csp_exempt_ro", False) is not False
            or (settings.DEBUG and response.status_code in DEBUG_EXEMPT_STATUSES)
            or has_excluded_prefixes()
        )
