import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
application = get_wsgi_application()

from kizuna.api.checks import refuse_unsound_versions  # noqa: E402  (needs the apps loaded)

refuse_unsound_versions()  # docs/api.md §18: nothing past its sunset is served
