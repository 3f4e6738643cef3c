"""What `GET /api/v1/health` checks (docs/api.md §19): the database, Redis when
KIZUNA_REDIS_URL is set, and the git storage under KIZUNA_GIT_ROOT.

Each check answers a short fixed phrase ("ok", "unreachable", …) that is safe to show anyone; the
exception behind a failure is logged, never sent (it may name hosts or paths).
"""

import logging
import os
import tempfile
from pathlib import Path

from django import db
from django.conf import settings

logger = logging.getLogger("kizuna.health")

OK = "ok"
NOT_CONFIGURED = "not configured"
# Bounded, so a dead dependency answers the load balancer within its own timeout.
REDIS_TIMEOUT_SECONDS = 2


def check_database() -> str:
    try:
        with db.connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except db.Error:
        logger.warning("health: database unreachable", exc_info=True)
        return "unreachable"
    return OK


def check_redis() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except (redis.RedisError, OSError):
        logger.warning("health: Redis unreachable at %s", settings.REDIS_URL, exc_info=True)
        return "unreachable"
    finally:
        client.close()
    return OK


def check_git_storage() -> str:
    """KIZUNA_GIT_ROOT is a directory this process can write in (a probe file is made and removed):
    an unmounted volume, a read-only or full disk all fail here before a push does."""
    root = Path(settings.KIZUNA_GIT_ROOT)
    if not root.is_dir():
        logger.warning("health: KIZUNA_GIT_ROOT %s is not a directory", root)
        return "missing"
    try:
        fd, probe = tempfile.mkstemp(prefix=".health-", dir=root)
        try:
            os.write(fd, b"ok")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError:
        logger.warning("health: KIZUNA_GIT_ROOT %s is not writable", root, exc_info=True)
        return "not writable"
    return OK


CHECKS = {"database": check_database, "redis": check_redis, "git_storage": check_git_storage}


def run_checks() -> tuple[bool, dict[str, str]]:
    """(healthy, {check: status}); healthy when every check is "ok" or "not configured"."""
    results = {name: check() for name, check in CHECKS.items()}
    return all(status in (OK, NOT_CONFIGURED) for status in results.values()), results
