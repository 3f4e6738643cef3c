"""JSON shapes shared by the events API, the SSE streams and webhook bodies.

URLs inside events are stored and built as API paths (`/api/v1/repos/o/r/issues/3`, under `url`
keys): the event log is written once, but the same event is read at several server roots (an API
call's host, each webhook's recorded root, KIZUNA_PUBLIC_URL). `with_root` makes every such path
absolute for one root as the event is rendered (docs/architecture.md, "URLs in events").
"""


from django.conf import settings

from kizuna.api.fields import absolute_url, api_path, timestamp

_API_PATH = api_path("/")


def request_base(request) -> str:
    """The root URLs in an API response or stream use: KIZUNA_PUBLIC_URL, else the request's (the same
    choice `absolute_url` makes for every other URL)."""
    return absolute_url(request, "/").rstrip("/")


def hook_base(hook) -> str:
    """The root URLs in a hook's deliveries use: KIZUNA_PUBLIC_URL, else the root the API was
    reached at when the hook was created ("" for hooks older than that record: paths stay paths)."""
    return settings.KIZUNA_PUBLIC_URL or hook.api_root


def with_root(data, base: str):
    """`data` with every API path under a `url` key prefixed by `base` (a copy; `data` is not changed)."""
    if not base:
        return data
    if isinstance(data, dict):
        return {
            key: (base + value if key == "url" and isinstance(value, str) and value.startswith(_API_PATH)
                  else with_root(value, base))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [with_root(value, base) for value in data]
    return data


def repository_summary(repo, base: str = "") -> dict | None:
    if repo is None:
        return None
    full_name = f"{repo.namespace.login}/{repo.name}"
    return {"id": repo.pk, "name": repo.name, "full_name": full_name, "url": base + api_path(f"/repos/{full_name}")}


def event_json(event, base: str = "") -> dict:
    """`{id, type, repository, actor, on_behalf_of, payload, created_at}` (docs/api.md §13), URLs under `base`
    (paths when it is empty: the SSE hub renders once and prefixes per stream with `with_root`).

    Needs `repository__namespace`, `actor` and `on_behalf_of` loaded (select_related) to stay O(1).
    """
    return {
        "id": event.pk,
        "type": event.type,
        "repository": repository_summary(event.repository, base),
        "actor": event.actor.as_json(),
        "on_behalf_of": event.on_behalf_of.as_json() if event.on_behalf_of_id else None,
        "payload": with_root(event.payload, base),
        "created_at": timestamp(event.created_at),
    }


def webhook_body(event, base: str = "") -> dict:
    """`{event, action, repository, sender, …the resource}` (docs/api.md §12), URLs under `base` (`hook_base`)."""
    body = {"event": event.webhook_event, "action": event.webhook_action}
    payload = dict(event.payload or {})
    repo = repository_summary(event.repository)
    if repo is None and isinstance(payload.get("repository"), dict):
        repo = payload["repository"]  # e.g. repository.deleted: the row is gone, the payload keeps it
    elif repo is not None and isinstance(payload.get("repository"), dict):
        repo = {**payload["repository"], **repo}
    payload.pop("repository", None)
    body["repository"] = repo
    if event.namespace_id and event.namespace is not None and event.namespace.is_org:
        body["organization"] = {"id": event.namespace.pk, "login": event.namespace.login}
    body["sender"] = event.actor.as_json()
    if event.on_behalf_of_id:
        body["on_behalf_of"] = event.on_behalf_of.as_json()
    for key, value in payload.items():
        body.setdefault(key, value)
    return with_root(body, base)


def hook_json(hook) -> dict:
    """A hook as webhook bodies and events show it (a ping's `hook`, `webhook.deactivated`)."""
    return {"id": hook.pk, "url": hook.redacted_url, "content_type": hook.content_type, "events": hook.events, "active": hook.active}
