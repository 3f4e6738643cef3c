from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kizuna.events"
    label = "events"
    verbose_name = "Events and webhooks"

    def ready(self):
        from django.conf import settings

        from . import services
        from .streams.hub import publish_on_commit

        if services.create_deliveries_for_event not in services.EVENT_LISTENERS:
            services.EVENT_LISTENERS.append(services.create_deliveries_for_event)
        if getattr(settings, "REDIS_URL", "") and publish_on_commit not in services.EVENT_LISTENERS:
            services.EVENT_LISTENERS.append(publish_on_commit)
