from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "pipelines"

    def ready(self):
        from kizuna.policy import facts
        from pulls.signals import pull_request_changed
        from repos.signals import ref_updated

        from . import reads
        from .services import on_pull_request_hook, on_push_hook

        # The policy decides whether a job token lives and whether `require_pipeline` is met; it reads
        # those facts through here, knowing no pipelines model (kizuna.policy.facts).
        facts.answer(job_of=reads.job_of, newest_pipeline_statuses=reads.newest_pipeline_statuses)
        ref_updated.connect(on_push_hook, dispatch_uid="pipelines.on_push")
        pull_request_changed.connect(on_pull_request_hook, dispatch_uid="pipelines.on_pull_request")
