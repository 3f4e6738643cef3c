"""What several modules of issues.services share: the events' payloads, the issue row lock and the label
links' copy of their issue's state."""

from kizuna.api.fields import api_path

from ..models import Comment, Issue, IssueLabel, Label, Milestone


def label_payload(label: Label) -> dict:
    return {"id": label.pk, "name": label.name, "color": label.color, "description": label.description}


def milestone_payload(milestone: Milestone | None) -> dict | None:
    if milestone is None:
        return None
    return {"id": milestone.pk, "number": milestone.number, "title": milestone.title, "state": milestone.state,
            "url": api_path(milestone.api_path())}


def issue_payload(issue: Issue) -> dict:
    return {
        "id": issue.pk,
        "number": issue.number,
        "title": issue.title,
        "state": issue.state,
        "state_reason": issue.state_reason,
        "is_pull_request": issue.is_pull_request,
        "author": issue.author.as_json(),
        "url": api_path(issue.api_path()),
    }


def comment_payload(comment: Comment) -> dict:
    return {"id": comment.pk, "body": comment.body, "author": comment.author.as_json(),
            "url": api_path(comment.api_path())}


def _lock_issue(issue: Issue) -> Issue:
    """Re-read the issue under a row lock (serialises concurrent edits of one issue)."""
    locked = Issue.objects.select_for_update(no_key=True).get(pk=issue.pk)  # see RepositoryManager.locked
    # Keep the caller's already-loaded relations (repository with its namespace, author…).
    for name in ("repository", "author", "milestone", "closed_by"):
        cache = Issue._meta.get_field(name).get_cached_value(issue, default=None)
        if cache is not None and getattr(locked, f"{name}_id") == cache.pk:
            Issue._meta.get_field(name).set_cached_value(locked, cache)
    return locked


# --- the label links' copy of their issue (IssueLabel) ---------------------------------------------
def label_link_fields(issue: Issue) -> dict:
    """What a new label link of `issue` copies from it (`through_defaults` of every `labels.add`)."""
    return {"issue_state": issue.state, "is_pull_request": issue.is_pull_request, "issue_created_at": issue.created_at}


def copy_state_to_label_links(issue: Issue) -> None:
    """Rewrite the copy of the issue's state on its label links: called, in the same transaction, by
    every write that changes an issue's state (issue_update here, closing, merging and reopening a pull
    request in pulls.services). tests/issues/test_label_state.py compares the copy with the truth after
    each of them."""
    IssueLabel.objects.filter(issue_id=issue.pk).update(issue_state=issue.state)
