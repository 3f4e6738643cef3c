"""KizunaViewSet narrows every list through kizuna.policy.restrict, once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_a_list_is_narrowed_once(api, world):
    client = api(world.tokens["reader"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/repos/w-org")
    assert response.status_code == 200
    lists = [q["sql"] for q in queries.captured_queries if 'FROM "repos_repository"' in q["sql"]]
    assert lists  # the page (and its bounded count)
    # visible_repos_q's membership subquery appears once in each, not once per narrowing.
    assert [sql.count("accounts_membership") for sql in lists] == [1] * len(lists)


def test_webhook_lists_are_narrowed_to_namespaces_the_caller_administers(make_user, make_org, make_repo):
    from kizuna import policy
    from kizuna.events.models import Webhook

    owner, outsider = make_user(), make_user()
    org = make_org(owner=owner)
    repo = make_repo(org, "r")
    Webhook.objects.create(repository=repo, url="https://hooks.example.com/a", events=["*"])
    Webhook.objects.create(namespace=org, url="https://hooks.example.com/b", events=["*"])
    assert policy.restrict(owner, Webhook.objects.all()).count() == 2
    assert policy.restrict(outsider, Webhook.objects.all()).count() == 0


def test_a_queryset_paged_without_filtering_is_still_narrowed(world):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from kizuna.api.views import KizunaViewSet
    from repos.models import Repository

    view = KizunaViewSet()
    view.request = Request(APIRequestFactory().get("/api/v1/repos"))
    view.request.user = world.outsider
    page = view.paginate_queryset(Repository.objects.filter(pk__in=[world.public.pk, world.private.pk]).order_by("pk"))
    assert [repo.pk for repo in page] == [world.public.pk]
