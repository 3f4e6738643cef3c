import django_filters
from django.db import connection

from kizuna.api.filters import SortedFilterSet

from .models import Agent, TrustLevel


class AgentFilter(SortedFilterSet):
    SORTS = {"created": "created_at"}
    DEFAULT_SORT = "created"

    capability = django_filters.CharFilter(method="filter_capability", help_text="Agents declaring this capability")
    trust_level = django_filters.ChoiceFilter(choices=TrustLevel.choices)
    model_family = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=Agent.Status.choices)

    class Meta:
        model = Agent
        fields = []

    def filter_capability(self, queryset, name, value):
        value = value.lower()  # stored capabilities are lower case: match case-insensitively on both databases
        if connection.vendor == "postgresql":
            # jsonb containment, served by the GIN index on capabilities (migration 0002).
            return queryset.filter(capabilities__contains=[value])
        # SQLite has no JSON containment: match the quoted element in the stored JSON text.
        # Capabilities are restricted to [a-z0-9._:/-], so the quotes delimit a whole element.
        return queryset.filter(capabilities__icontains=f'"{value}"')
