"""The tools: each one REST operation, its input schema taken from the OpenAPI schema (the same
serializers and filter sets that validate the REST request)."""

import copy
import threading
from dataclasses import dataclass

LIST_PARAMS = ("page", "per_page")


@dataclass(frozen=True)
class Tool:
    name: str
    method: str
    path: str  # the OpenAPI path under /api/v1, e.g. "/repos/{org}/{repo}/issues"
    description: str
    query: tuple[str, ...] = ()  # query parameters the tool offers
    body: tuple[str, ...] = ()  # request-body fields the tool offers
    listing: bool = False  # a paginated list: answers {"items": [...], "next_page": n | null}


TOOLS = [
    Tool("whoami", "get", "/user", "The caller: a user, an agent or a deploy token's identity."),
    Tool("list_repositories", "get", "/repos/{org}", "Repositories of a namespace that the caller can see.",
         query=("visibility", "sort", "direction"), listing=True),
    Tool("get_repository", "get", "/repos/{org}/{repo}", "One repository."),
    Tool("list_issues", "get", "/repos/{org}/{repo}/issues", "Issues of a repository (not pull requests).",
         query=("state", "labels"), listing=True),
    Tool("get_issue", "get", "/repos/{org}/{repo}/issues/{number}", "One issue."),
    Tool("create_issue", "post", "/repos/{org}/{repo}/issues", "Open an issue.", body=("title", "body", "labels")),
    Tool("comment_on_issue", "post", "/repos/{org}/{repo}/issues/{number}/comments",
         "Comment on an issue or a pull request.", body=("body",)),
    Tool("list_pull_requests", "get", "/repos/{org}/{repo}/pulls", "Pull requests of a repository.",
         query=("state",), listing=True),
    Tool("get_pull_request", "get", "/repos/{org}/{repo}/pulls/{number}", "One pull request."),
    Tool("create_pull_request", "post", "/repos/{org}/{repo}/pulls", "Open a pull request (drafts need less trust).",
         body=("title", "head", "base", "draft")),
    Tool("merge_pull_request", "post", "/repos/{org}/{repo}/pulls/{number}/merge",
         "Merge a pull request (agents must send the head `sha`).", body=("merge_method", "sha")),
    Tool("get_file", "get", "/repos/{org}/{repo}/contents/{path}", "A file (base64) or a directory listing.",
         query=("ref",)),
    Tool("list_commits", "get", "/repos/{org}/{repo}/commits", "Commits, newest first.", query=("sha",), listing=True),
    Tool("trigger_pipeline", "post", "/repos/{org}/{repo}/pipelines", "Start a pipeline at a ref.", body=("ref",)),
    Tool("get_pipeline", "get", "/repos/{org}/{repo}/pipelines/{id}", "One pipeline with its jobs."),
    Tool("get_job_log", "get", "/repos/{org}/{repo}/pipelines/{id}/jobs/{job_id}/log", "A job's log as text."),
]
BY_NAME = {tool.name: tool for tool in TOOLS}

# The OpenAPI path parameters are named after the view's URL kwargs; the tools use the contract's names.
PATH_ALIASES = {"/repos/{org}/{repo}/pipelines/{id}": "/repos/{org}/{repo}/pipelines/{pipeline_id}",
                "/repos/{org}/{repo}/pipelines/{id}/jobs/{job_id}/log":
                    "/repos/{org}/{repo}/pipelines/{pipeline_id}/jobs/{job_id}/log"}

_schemas: dict[str, dict] = {}
_lock = threading.Lock()


def _resolve(node, components, depth=0):
    """Inline `$ref`s (the schemas are small and acyclic where tools reach them)."""
    if depth > 12:
        return {}
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolve(copy.deepcopy(components.get(name, {})), components, depth + 1)
        return {key: _resolve(value, components, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, components, depth + 1) for item in node]
    return node


def path_params(tool: Tool) -> list[str]:
    return [part[1:-1] for part in tool.path.split("/") if part.startswith("{")]


def _input_schema(tool: Tool, openapi: dict) -> dict:
    components = openapi.get("components", {}).get("schemas", {})
    operation = openapi["paths"][PATH_ALIASES.get(tool.path, tool.path)][tool.method]
    properties, required = {}, []
    by_name = {p["name"]: p for p in operation.get("parameters", [])}
    aliases = dict(zip(path_params(tool), [p[1:-1] for p in PATH_ALIASES.get(tool.path, tool.path).split("/")
                                             if p.startswith("{")]))
    for name in path_params(tool):
        param = by_name[aliases[name]]
        properties[name] = {**_resolve(param.get("schema", {}), components),
                            "description": param.get("description") or name}
        required.append(name)
    for name in tool.query + (LIST_PARAMS if tool.listing else ()):
        param = by_name[name]
        properties[name] = {**_resolve(param.get("schema", {}), components),
                            **({"description": param["description"]} if param.get("description") else {})}
    if tool.body:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        body = _resolve(body, components)
        for name in tool.body:
            properties[name] = body["properties"][name]
        required += [name for name in body.get("required", []) if name in tool.body]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def input_schemas() -> dict[str, dict]:
    """Every tool's JSON Schema, built once per process from the OpenAPI schema."""
    if not _schemas:
        with _lock:
            if not _schemas:
                from drf_spectacular.generators import SchemaGenerator

                openapi = SchemaGenerator().get_schema(request=None, public=True)
                _schemas.update({tool.name: _input_schema(tool, openapi) for tool in TOOLS})
    return _schemas
