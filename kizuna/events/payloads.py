"""JSON shapes shared by the events API, the SSE streams and webhook bodies."""

from datetime import timezone as dt_timezone

from django.conf import settings


def request_base(request) -> str:
    """The server root as the caller reached it (KIZUNA_PUBLIC_URL wins in `_url`)."""
    return request.build_absolute_uri("/").rstrip("/")


def _url(path: str, base: str | None) -> str:
    root = settings.KIZUNA_PUBLIC_URL or (base or "")
    return f"{root}/api/v1{path}"


def repository_summary(repo, base: str | None = None) -> dict | None:
    if repo is None:
        return None
    full_name = f"{repo.namespace.login}/{repo.name}"
    return {"id": repo.pk, "name": repo.name, "full_name": full_name, "url": _url(f"/repos/{full_name}", base)}


def event_json(event, base: str | None = None) -> dict:
    """`{id, type, repository, actor, on_behalf_of, payload, created_at}` (API.md §13).

    Needs `repository__namespace`, `actor` and `on_behalf_of` loaded (select_related) to stay O(1).
    """
    return {
        "id": event.pk,
        "type": event.type,
        "repository": repository_summary(event.repository, base),
        "actor": event.actor.as_json(),
        "on_behalf_of": event.on_behalf_of.as_json() if event.on_behalf_of_id else None,
        "payload": event.payload,
        "created_at": event.created_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def webhook_body(event) -> dict:
    """`{event, action, repository, sender, …the resource}` (API.md §12)."""
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
    return body
