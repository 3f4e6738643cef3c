from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kizuna.events"
    label = "events"
    verbose_name = "Events and webhooks"
