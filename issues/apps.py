from django.apps import AppConfig


class IssuesConfig(AppConfig):
    name = "issues"

    def ready(self):
        from repos.services import REPOSITORY_CREATED_HOOKS

        from .services import create_default_labels

        if create_default_labels not in REPOSITORY_CREATED_HOOKS:
            REPOSITORY_CREATED_HOOKS.append(create_default_labels)
