"""Functions run in spawned processes: no Django import at module level (they set Django up)."""


def hits_in_a_process(args):
    """Runs in a fresh (spawned) interpreter: its own Django, its own Redis connections."""
    import os
    import threading as _threading
    from concurrent.futures import ThreadPoolExecutor as _Pool

    namespace, limit, n = args
    os.environ["KIZUNA_RATE_LIMIT_NAMESPACE"] = namespace
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from kizuna.api import throttling as _throttling

    barrier = _threading.Barrier(n)

    def one(_):
        barrier.wait()
        return _throttling.hit("user:processes", limit).allowed

    with _Pool(n) as pool:
        return sum(pool.map(one, range(n)))
