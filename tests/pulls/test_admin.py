import pytest

from kizuna.accounts.services import actor_for_user
from pulls import services
from pulls.models import BranchProtection, Review

pytestmark = pytest.mark.django_db


def test_admin_shows_rules_and_reviews_read_only(client, pr_world, make_user):
    w = pr_world
    admin = actor_for_user(w.admin)
    rule = services.protection_set(repo=w.repo, branch="main", actor=admin, required_approving_review_count=2)
    pr = services.pull_create(repo=w.repo, actor=actor_for_user(w.writer), title="t", head="feature")
    review = services.review_submit(pull=pr, actor=admin, event="APPROVE")
    staff = make_user("staffer", is_staff=True, is_superuser=True)
    client.force_login(staff)
    for model, pk in (("branchprotection", rule.pk), ("review", review.pk)):
        assert client.get(f"/admin/pulls/{model}/").status_code == 200
        assert client.get(f"/admin/pulls/{model}/{pk}/change/").status_code == 200  # a read-only view
        assert client.get(f"/admin/pulls/{model}/add/").status_code == 403
        assert client.post(f"/admin/pulls/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert BranchProtection.objects.filter(pk=rule.pk).exists() and Review.objects.filter(pk=review.pk).exists()
