from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents"

    def ready(self):
        from kizuna.events.log import EVENT_LISTENERS

        from .tasks import reputation_listener

        if reputation_listener not in EVENT_LISTENERS:
            EVENT_LISTENERS.append(reputation_listener)
