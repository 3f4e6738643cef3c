"""System checks for deployments that would silently misbehave."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches, deploy=True)
def rate_limit_cache_is_shared(app_configs, **kwargs):
    backend = settings.CACHES.get("ratelimit", {}).get("BACKEND", "")
    if "locmem" in backend and not settings.DEBUG:
        return [
            checks.Warning(
                "Rate-limit counters live in a per-process cache; with several server processes each "
                "counts on its own. Set KIZUNA_REDIS_URL.",
                id="kizuna.W001",
            )
        ]
    return []
