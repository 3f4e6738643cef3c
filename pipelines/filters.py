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

    @classmethod
    def total_of(cls, repository, params) -> int | None:
        """The list's exact total when no filter is sent: the repository's pipeline counter. Pipelines are
        numbered from it in the transaction that creates them (pipelines.services.triggers, the only place
        that does) and never deleted, so it is their count. None when a filter is sent: counted."""
        if any(name in params for name in cls.base_filters):
            return None
        return repository.last_pipeline_number
