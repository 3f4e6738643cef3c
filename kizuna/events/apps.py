from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kizuna.events"
    label = "events"
    verbose_name = "Events and webhooks"

    def ready(self):
        from django.conf import settings

        from . import services
        from .log import EVENT_LISTENERS
        from .streams.hub import publish_on_commit

        if services.create_deliveries_for_event not in EVENT_LISTENERS:
            EVENT_LISTENERS.append(services.create_deliveries_for_event)
        if getattr(settings, "REDIS_URL", "") and publish_on_commit not in EVENT_LISTENERS:
            EVENT_LISTENERS.append(publish_on_commit)
