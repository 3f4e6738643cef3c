import django_filters

from .models import Pipeline, Status, Trigger


class PipelineFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    ref = django_filters.CharFilter()
    sha = django_filters.CharFilter()
    trigger = django_filters.ChoiceFilter(choices=Trigger.choices)

    class Meta:
        model = Pipeline
        fields = ["status", "ref", "sha", "trigger"]
