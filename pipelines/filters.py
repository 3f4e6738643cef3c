import django_filters

from kizuna.api.filters import KizunaFilterSet

from .models import Pipeline, Status, Trigger


class PipelineFilter(KizunaFilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    ref = django_filters.CharFilter()
    sha = django_filters.CharFilter()
    trigger = django_filters.ChoiceFilter(choices=Trigger.choices)

    class Meta:
        model = Pipeline
        fields = ["status", "ref", "sha", "trigger"]
