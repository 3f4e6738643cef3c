import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
application = get_wsgi_application()

from kizuna.api.checks import refuse_to_start_if_insecure, refuse_unsound_versions  # noqa: E402  (apps loaded)

refuse_to_start_if_insecure()  # kizuna.E001: not with the published SECRET_KEY outside DEBUG
refuse_unsound_versions()  # docs/api.md §18: nothing past its sunset is served
