import django_filters

from kizuna.api.filters import SortedFilterSet

from .models import Repository


class RepositoryFilter(SortedFilterSet):
    SORTS = {"created": "created_at", "updated": "updated_at", "pushed": "pushed_at", "name": "name"}
    DEFAULT_SORT = "created"
    DEFAULT_DIRECTIONS = {"name": "asc"}

    visibility = django_filters.ChoiceFilter(
        choices=[("public", "public"), ("private", "private"), ("all", "all")], method="filter_visibility"
    )

    class Meta:
        model = Repository
        fields = []

    def filter_visibility(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(visibility=value)
