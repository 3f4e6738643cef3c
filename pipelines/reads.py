"""The facts the authorization policy asks of pipelines (kizuna.policy.facts), registered at ready():
the policy decides, this module only reads."""

from django.db.models import Max

from .models import Job, Pipeline


def job_of(token):
    """The job the job token was issued for, with what job_token_alive checks loaded; or None."""
    return (
        Job.objects.select_related("agent__operator", "pipeline__repository__namespace")
        .filter(pk=token.job_id, job_token_id=token.pk).first()
    )


def newest_pipeline_statuses(repo, shas) -> dict:
    """{sha: status of the newest pipeline on it} among `shas` (two statements, one round trip each)."""
    newest = (Pipeline.objects.filter(repository_id=repo.pk, sha__in=shas).values("sha")
              .annotate(newest=Max("id")).values("newest"))
    return dict(Pipeline.objects.filter(pk__in=newest).values_list("sha", "status"))
