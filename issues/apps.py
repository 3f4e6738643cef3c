from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"

    def ready(self):
        from repos.signals import repository_created

        from .services import create_default_labels

        repository_created.connect(create_default_labels, dispatch_uid="issues.default_labels")
