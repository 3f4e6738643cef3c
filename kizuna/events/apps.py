from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kizuna.events"
    label = "events"
    verbose_name = "Events and webhooks"

    def ready(self):
        from django.conf import settings

        from . import services
        from .signals import event_emitted
        from .streams.hub import publish_on_commit

        event_emitted.connect(services.create_deliveries_for_event, dispatch_uid="events.deliveries")
        if settings.REDIS_URL:
            event_emitted.connect(publish_on_commit, dispatch_uid="events.streams.wake")
