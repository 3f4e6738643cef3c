"""ORM calls from coroutines — the event streams', and under ASGI the rate limiter's look-up — run off
the event loop, on the loop's shared, bounded thread pool. Call `pool.db(fn)` through the module (tests swap it to run on the test's connection)."""

import time

from asgiref.sync import SyncToAsync, sync_to_async
from django.db import InterfaceError, OperationalError, connections


def db(fn):
    """Run ORM code off the event loop on the loop's shared, bounded thread pool (never a thread per
    stream). Each pool thread keeps its database connection between calls (opening one per call
    would dominate the cost of thousands of streams); a broken connection is dropped and the call
    retried, as are transient lock errors (SQLite's shared-cache test databases)."""

    def wrapped(*args, **kwargs):
        for attempt in range(8):
            try:
                return fn(*args, **kwargs)
            except (OperationalError, InterfaceError):
                if attempt == 7:
                    raise
                drop_broken_connections()
                time.sleep(0.05 * (attempt + 1))

    wrapped.__qualname__ = f"db({getattr(fn, '__qualname__', fn)})"  # what a profile or a thread dump names
    return sync_to_async(wrapped, thread_sensitive=False)


def drop_broken_connections() -> None:
    """Close this thread's database connections that no longer answer, so that the next call on a
    pool thread connects afresh instead of failing on them for good."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue
        if conn.connection is not None and not conn.is_usable():
            conn.close()


def release_request_thread() -> None:
    """Django runs sync middleware on a per-request thread; a stream does not need it any more."""
    try:  # asgiref internals: if they move, streams still work, each just keeps an idle thread
        context = SyncToAsync.thread_sensitive_context.get(None)
        if context is not None:
            executor = SyncToAsync.context_to_thread_executor.pop(context, None)
            if executor is not None:
                executor.submit(connections.close_all)  # that thread's DB connection goes with it
                executor.shutdown(wait=False)
    except AttributeError:
        pass
