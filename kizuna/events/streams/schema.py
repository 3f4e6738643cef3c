"""OpenAPI for the streams: their async views are not DRF views, so schema-only twins (DRF views
that are never routed) document them, attached with `documented_by`."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from ..filters import EVENT_ID_SCHEMA

STREAM_PARAMETERS = [
    OpenApiParameter("Last-Event-ID", EVENT_ID_SCHEMA, OpenApiParameter.HEADER, required=False,
                     description="Resume after this event id (the `id:` of the last frame received)."),
    OpenApiParameter("last_event_id", EVENT_ID_SCHEMA, OpenApiParameter.QUERY, required=False,
                     description="Same as the Last-Event-ID header, for clients that cannot set headers."),
]
# One frame of the stream, as SSE clients (and Schemathesis) read it: `data` holds an event's JSON.
SSE_FRAME = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The event's id"},
        "event": {"type": "string", "description": "The event's type, e.g. `issue.opened`"},
        "data": {"type": "string", "contentMediaType": "application/json",
                 "contentSchema": {"$ref": "#/components/schemas/Event"}},
        "retry": {"type": "integer", "minimum": 0},
    },
    "required": ["id", "event", "data"],
}
STREAM_RESPONSE = {
    (200, "text/event-stream"): OpenApiResponse(
        SSE_FRAME,
        description="`retry: 3000`, then frames `id: <event id>` / `event: <type>` / `data: <event JSON>`, "
                    "and a `: keepalive` comment every 15 s.",
    )
}


class RepoStreamSchema(APIView):
    @extend_schema(operation_id="repos_events_stream", parameters=STREAM_PARAMETERS, responses=STREAM_RESPONSE,
                   summary="Server-Sent Events of one repository")
    def get(self, request, org: str, repo: str):  # pragma: no cover - documentation only
        raise NotImplementedError


class UserStreamSchema(APIView):
    @extend_schema(operation_id="user_events_stream", parameters=STREAM_PARAMETERS, responses=STREAM_RESPONSE,
                   summary="Server-Sent Events of every repository the caller can read")
    def get(self, request):  # pragma: no cover - documentation only
        raise NotImplementedError


def documented_by(twin: type[APIView]):
    """Decorate a routed view (outermost) so drf-spectacular documents its URL as `twin`: it documents
    a URL whose callback carries a DRF view class."""

    def attach(view):
        view.cls = twin
        view.initkwargs = {}
        return view

    return attach
