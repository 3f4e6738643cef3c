from rest_framework import renderers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.exceptions import NotAcceptable


class KizunaJSONRenderer(renderers.JSONRenderer):
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        request, response = context.get("request"), context.get("response")
        gone = getattr(request, "kizuna_gone_fields", None) if request is not None else None
        if gone and response is not None and response.status_code < 300:
            data = without_fields(data, gone)
        return super().render(data, accepted_media_type, renderer_context)


def without_fields(data, gone: set):
    """A response field past its sunset (kizuna.versions) leaves the object, or each object of a list."""
    if isinstance(data, dict):
        return {key: value for key, value in data.items() if key not in gone}
    if isinstance(data, list):
        return [without_fields(item, gone) if isinstance(item, dict) else item for item in data]
    return data


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
        accept = request.META.get("HTTP_ACCEPT", "")
        if len(accept) > MAX_ACCEPT_LENGTH:
            return renderers[0], renderers[0].media_type
        if len(renderers) == 1 and ";" not in accept:
            # One renderer is chosen whatever Accept or ?format say; only Accept's parameters (JSON's
            # `indent`) can change how it renders. Without any, DRF's parsing (~5 % of GET /user) is skipped.
            return renderers[0], renderers[0].media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (NotAcceptable, Exception):
            return renderers[0], renderers[0].media_type
