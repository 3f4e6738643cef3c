from rest_framework import renderers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.exceptions import NotAcceptable


class KizunaJSONRenderer(renderers.JSONRenderer):
    charset = "utf-8"


class PlainTextRenderer(renderers.BaseRenderer):
    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        if isinstance(data, dict):  # an error envelope on a text endpoint stays JSON-shaped
            import json

            return json.dumps(data).encode()
        return str(data).encode()


# Longer `Accept` headers are not parsed (DRF sorts every listed type: seconds for a 100 KB header).
MAX_ACCEPT_LENGTH = 1024


class LenientContentNegotiation(DefaultContentNegotiation):
    """An API that speaks one format answers in it whatever `Accept` says (no 406 surprises)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if len(request.META.get("HTTP_ACCEPT", "")) > MAX_ACCEPT_LENGTH:
            return renderers[0], renderers[0].media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (NotAcceptable, Exception):
            return renderers[0], renderers[0].media_type
