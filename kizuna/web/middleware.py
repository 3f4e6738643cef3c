"""Static files (the admin's, the API browser's, the web pages' CSS) served by WhiteNoise, also under
ASGI without a warning.

WhiteNoise hands Django a FileResponse whose body is a synchronous file iterator. Under ASGI Django
then reads the whole iterator in a thread and warns ("StreamingHttpResponse must consume synchronous
iterators…") on every static file `make run` serves. Here the same body is given as an asynchronous
iterator that reads each block in a worker thread, so the event loop never blocks on the disk and no
warning is printed. Under WSGI (gunicorn) the response is WhiteNoise's own.

Also Django's flash messages, set up for the web pages only.
"""

from asgiref.sync import sync_to_async
from django.contrib.messages import middleware as messages_middleware
from django.core.handlers.asgi import ASGIRequest
from whitenoise.middleware import WhiteNoiseMiddleware

from kizuna.api.middleware import is_api


async def _blocks_in_thread(blocks):
    read = sync_to_async(next, thread_sensitive=False)
    while (block := await read(blocks, None)) is not None:
        yield block


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    @staticmethod
    def serve(static_file, request):
        response = WhiteNoiseMiddleware.serve(static_file, request)
        if isinstance(request, ASGIRequest) and response.streaming and not response.is_async:
            # The file stays registered for closing with the response (FileResponse did that).
            response.streaming_content = _blocks_in_thread(iter(response.streaming_content))
        return response


class MessageMiddleware(messages_middleware.MessageMiddleware):
    """Django's flash messages, for the web pages only: the API never shows one, and building the
    cookie and session storages for every API request cost ~3 % of a `GET /api/v1/user`."""

    def process_request(self, request):
        if not is_api(request):
            super().process_request(request)
