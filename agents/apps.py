from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Agents"

    def ready(self):
        from kizuna.events.signals import event_emitted

        from .tasks import reputation_listener

        event_emitted.connect(reputation_listener, dispatch_uid="agents.reputation")
