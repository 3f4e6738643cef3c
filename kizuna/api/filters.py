"""FilterSet pieces shared by every list endpoint."""

import django_filters
from django.db.models import F


class KizunaFilterSet(django_filters.FilterSet):
    """Every list's FilterSet: a choice parameter sent empty (`?direction=`) is a 422 naming it, like any
    other value outside its choices (docs/api.md: an unknown value → 422), instead of django-filter's
    reading of "" as "not sent"."""

    def get_form_class(self):
        """The FilterSet's form class, built once per FilterSet class. django-filter builds a new form
        class (and a new field per filter) on every request; ours depend on the class alone, and a form
        instance deep-copies its class's fields anyway, as every Django form does."""
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class

    def is_valid(self):
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if isinstance(filter_, django_filters.ChoiceFilter) and self.data.get(name) == "":
                choices = ", ".join(str(value) for value, _ in filter_.extra.get("choices", []))
                self.form.add_error(name, f"must be one of: {choices}" if choices else "must not be empty")
                valid = False
        return valid


class SortedFilterSet(KizunaFilterSet):
    """Adds GitHub-style `sort` and `direction` parameters.

    Subclasses set `SORTS = {"created": "created_at", …}`, `DEFAULT_SORT` and optionally
    `DEFAULT_DIRECTIONS = {"name": "asc"}`; the row id breaks ties so pages are stable.
    """

    SORTS: dict[str, str] = {"created": "created_at"}
    DEFAULT_SORT = "created"
    DEFAULT_DIRECTIONS: dict[str, str] = {}

    direction = django_filters.ChoiceFilter(
        choices=[("asc", "asc"), ("desc", "desc")], method="_noop", help_text="Sort direction"
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        filters["sort"] = django_filters.ChoiceFilter(
            field_name="sort", choices=[(k, k) for k in cls.SORTS], method="_noop", help_text="Sort field"
        )
        return filters

    def _noop(self, queryset, name, value):
        return queryset

    def sort_path(self, sort: str) -> str:
        """The field `sort` orders by (a subclass may read an equal copy elsewhere, e.g. off a join)."""
        return self.SORTS[sort]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort") or self.DEFAULT_SORT
        direction = self.form.cleaned_data.get("direction") or self.DEFAULT_DIRECTIONS.get(sort, "desc")
        field = self.sort_path(sort)
        if not _nullable(queryset.model, field):
            # Plain ordering: PostgreSQL reads it straight off a b-tree index; NULLS LAST/FIRST would
            # make it sort every matching row first.
            return queryset.order_by(f"-{field}", "-pk") if direction == "desc" else queryset.order_by(field, "pk")
        if direction == "desc":
            return queryset.order_by(F(field).desc(nulls_last=True), "-pk")
        return queryset.order_by(F(field).asc(nulls_first=True), "pk")


def _nullable(model, field_path: str) -> bool:
    """Whether a (possibly related, `a__b`) sort field can be NULL; unknown paths count as nullable."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        for part in field_path.split("__")[:-1]:
            model = model._meta.get_field(part).related_model
        return model._meta.get_field(field_path.split("__")[-1]).null
    except (FieldDoesNotExist, AttributeError):
        return True
