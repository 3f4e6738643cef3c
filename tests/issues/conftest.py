"""Issue fixtures: agents with a given operator and trust level, issues made through the services."""


import pytest

from kizuna.accounts.actors import actor_for_user



@pytest.fixture
def make_issue(db):
    from issues import services

    def make(repo, author_user=None, *, author_actor=None, title="An issue", **kwargs):
        actor = author_actor or actor_for_user(author_user)
        return services.issue_create(repo=repo, actor=actor, title=title, **kwargs)

    return make


@pytest.fixture
def make_pull_row(db):
    """A pull request's Issue row (the pulls app adds its own row; numbers are shared)."""
    from django.db import transaction

    from issues.models import Issue
    from repos.services import next_number

    def make(repo, author_user, title="A PR"):
        with transaction.atomic():
            return Issue.objects.create(repository=repo, number=next_number(repo), title=title, is_pull_request=True,
                                        author=actor_for_user(author_user))

    return make


