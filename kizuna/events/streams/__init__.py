"""Server-Sent Events: `/repos/:org/:repo/events/stream` and `/user/events/stream` (docs/api.md §13).

Async Django views: an open stream is a coroutine, not a thread. One `Hub` per event loop (so per
server process) reads new events from the database once, in id order, into a bounded buffer, and
wakes every stream; each stream filters the buffer by what its caller may read and writes frames
serialized and encoded once per event and root (hub.render). A stream sleeps on the hub's wake-up
and one long-lived deadline timer (hub.Sleeper): no task or timer per stream per event. Streams that
resume from further back than the buffer reach read their own catch-up pages from the database.

Fan-out: with `KIZUNA_REDIS_URL` an `on_commit` listener publishes each new event id on a Redis
channel (kizuna/pubsub.py) and every hub wakes at once (latency ≈ one DB read, a few ms); without
Redis hubs poll the event table every `KIZUNA_SSE_POLL_SECONDS` (default 1 s, so ≈ 0.5 s on
average). Either way the events themselves come from the database by id, so order and resumption
are exact.

Ids are assigned before commit, so on PostgreSQL a smaller id can become visible after a larger one.
The hub only moves past a gap in the ids once the event after it is `KIZUNA_SSE_GAP_SECONDS` old
(default 10 s); a transaction that stays open longer than that after appending its event could be
skipped by live streams (it is still in the log and in `GET …/events`).

Modules: pool.py (ORM calls off the event loop), access.py (who may open and keep a stream),
hub.py (the per-process hub and the Redis wake-up), views.py (the two views and each stream's
frames), schema.py (their OpenAPI description).
"""
