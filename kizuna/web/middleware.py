"""Static files (the admin's, the API browser's, the web pages' CSS) served by WhiteNoise, also under
ASGI without a warning.

WhiteNoise hands Django a FileResponse whose body is a synchronous file iterator. Under ASGI Django
then reads the whole iterator in a thread and warns ("StreamingHttpResponse must consume synchronous
iterators…") on every static file `make run` serves. Here the same body is given as an asynchronous
iterator that reads each block in a worker thread, so the event loop never blocks on the disk and no
warning is printed. Under WSGI (gunicorn) the response is WhiteNoise's own.

WhiteNoise's middleware is synchronous only; under ASGI Django would run it, and so every request,
in a thread. Here it is also asynchronous (kizuna/api/on_loop.py tells why): a path that is not a
static file goes on down the chain on the event loop.

Also Django's flash messages, set up for the web pages only.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib.messages import middleware as messages_middleware
from django.core.handlers.asgi import ASGIRequest
from whitenoise.middleware import WhiteNoiseMiddleware

from kizuna.api.middleware import is_api
from kizuna.api.on_loop import OnLoop


async def _blocks_in_thread(blocks):
    read = sync_to_async(next, thread_sensitive=False)
    while (block := await read(blocks, None)) is not None:
        yield block


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    sync_capable = async_capable = True

    def __init__(self, get_response=None, *args, **kwargs):
        super().__init__(get_response, *args, **kwargs)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        if self.autorefresh or request.path_info in self.files:  # a file to look up or open: in a thread
            response = await sync_to_async(self._static_response, thread_sensitive=False)(request)
            if response is not None:
                return response
        return await self.get_response(request)

    def _static_response(self, request):
        static_file = self.find_file(request.path_info) if self.autorefresh else self.files.get(request.path_info)
        return self.serve(static_file, request) if static_file is not None else None

    @staticmethod
    def serve(static_file, request):
        response = WhiteNoiseMiddleware.serve(static_file, request)
        if isinstance(request, ASGIRequest) and response.streaming and not response.is_async:
            # The file stays registered for closing with the response (FileResponse did that).
            response.streaming_content = _blocks_in_thread(iter(response.streaming_content))
        return response


class MessageMiddleware(OnLoop, messages_middleware.MessageMiddleware):
    """Django's flash messages, for the web pages only: the API never shows one, and building the
    cookie and session storages for every API request cost ~3 % of a `GET /api/v1/user`.

    Under ASGI on the event loop (kizuna/api/on_loop.py): storing messages may read and write the
    session, so that phase runs in the request's thread when a message was added or read."""

    def in_thread(self, phase, request, *args):
        storage = getattr(request, "_messages", None)
        return phase == "response" and storage is not None and (storage.used or storage.added_new)

    def process_request(self, request):
        if not is_api(request):
            super().process_request(request)
