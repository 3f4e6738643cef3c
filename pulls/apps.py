from django.apps import AppConfig


class PullsConfig(AppConfig):
    name = "pulls"
