"""One ASGI process serves everything (`make run`, tests); in production only the SSE paths come here."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
application = get_asgi_application()

from kizuna.api.checks import refuse_to_start_if_insecure  # noqa: E402  (needs the apps loaded)

refuse_to_start_if_insecure()
