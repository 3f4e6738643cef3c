"""The check shared by the label-link tests of issues and pulls: IssueLabel's copies against the truth."""

from django.db.models import F, Q

from issues.models import IssueLabel


def label_link_drift() -> list[tuple]:
    """Every label link whose copy of its issue's state, is_pull_request or created_at differs from the issue's row."""
    differs = (Q(issue_state=F("issue__state")) & Q(is_pull_request=F("issue__is_pull_request"))
               & Q(issue_created_at=F("issue__created_at"))
               # and never across repositories: the labels+state list reads a label's links without one
               & Q(label__repository_id=F("issue__repository_id")))
    return list(IssueLabel.objects.exclude(differs).values_list("issue__number", "label__name", "issue_state",
                                                                 "issue__state", "is_pull_request"))


def link_states(issue) -> set[str]:
    """The copies of the issue's state on its label links (a set: one value when in step)."""
    return set(IssueLabel.objects.filter(issue_id=issue.pk).values_list("issue_state", flat=True))
