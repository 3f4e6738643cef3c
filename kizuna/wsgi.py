import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
application = get_wsgi_application()

from kizuna.api.checks import refuse_to_start_on_serious_errors  # noqa: E402  (apps loaded)

refuse_to_start_on_serious_errors()  # kizuna.E001 (the published SECRET_KEY), the version rules (§18)
