"""KizunaViewSet narrows every queryset it filters or pages through by the policy — once: a list's page
and its count carry the policy's filter a single time, not once for filter_queryset and again for
paginate_queryset."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def repository_queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in ctx.captured_queries if 'FROM "repos_repository"' in q["sql"]]


def test_a_list_is_restricted_once(api, world):
    queries = repository_queries(api(world.tokens["writer"]), "/user/repos")
    assert len(queries) == 2  # the page and its bounded count
    for sql in queries:
        assert sql.count("\"visibility\" = 'public'") == 1, sql


def test_a_queryset_paged_without_filtering_is_still_restricted(world):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from kizuna.api.views import KizunaViewSet
    from repos.models import Repository

    view = KizunaViewSet()
    view.request = Request(APIRequestFactory().get("/api/v1/repos"))
    view.request.user = world.outsider
    page = view.paginate_queryset(Repository.objects.filter(pk__in=[world.public.pk, world.private.pk]).order_by("pk"))
    assert [repo.pk for repo in page] == [world.public.pk]
