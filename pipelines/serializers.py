from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kizuna.api.fields import ActorField, ActorSerializer, StrictCharField, StrictIntegerField, UrlField, absolute_url
from kizuna.api.serializers import KizunaModelSerializer

from .models import Job, Pipeline, Status
from .services.jobs import MAX_WAIT_SECONDS


class JobSerializer(KizunaModelSerializer):
    agent = serializers.SerializerMethodField()
    log_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "name", "status", "needs", "agent", "attempt", "exit_code", "started_at", "finished_at", "log_url"]

    @extend_schema_field(ActorSerializer(allow_null=True))
    def get_agent(self, job):
        if job.agent_id is None:
            return None
        return {"id": str(job.agent_id), "login": job.agent.name, "type": "Agent"}

    def get_log_url(self, job) -> str:
        from kizuna.api.fields import api_url

        return api_url(self.context.get("request"), f"{job.pipeline.api_path()}/jobs/{job.pk}/log")


class PipelineSerializer(KizunaModelSerializer):
    triggered_by = ActorField()
    variables = serializers.SerializerMethodField()
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    # A nested field, not a method building a JobSerializer per pipeline: a list page then builds the job
    # serializer's fields once, not 30 times (ModelSerializer.get_fields was two thirds of the page's CPU).
    # The jobs come from the view's prefetch; a related manager's jobs know their pipeline (no query each).
    jobs = JobSerializer(many=True, read_only=True)
    url = UrlField(Pipeline.api_path)

    class Meta:
        model = Pipeline
        fields = ["id", "number", "status", "ref", "sha", "trigger", "triggered_by", "variables", "created_at",
                  "started_at", "finished_at", "duration_seconds", "jobs", "url"]

    def get_variables(self, pipeline) -> list[str]:
        return sorted(pipeline.variables or {})


class PipelineTriggerSerializer(serializers.Serializer):
    ref = StrictCharField(required=False, max_length=255, help_text="Branch, tag or sha (default: the default branch)")
    variables = serializers.JSONField(required=False, help_text='{NAME: "value"}: strings only')


class ClaimSerializer(serializers.Serializer):
    wait = StrictIntegerField(required=False, min_value=0, max_value=MAX_WAIT_SECONDS, default=0)


class FinishSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, help_text="`success` or `failed`")
    exit_code = StrictIntegerField(required=False, allow_null=True, default=None, min_value=-255, max_value=255)

    def validate_status(self, value):
        if value not in (Status.SUCCESS, Status.FAILED):
            raise serializers.ValidationError("must be 'success' or 'failed'")
        return value


class HeartbeatSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


class ClaimedJobSerializer(serializers.Serializer):
    """The job handed to an agent by POST /agent/jobs/claim."""

    id = serializers.IntegerField()
    name = StrictCharField()
    pipeline = serializers.DictField()
    repository = serializers.DictField()
    clone_url = StrictCharField()
    ref = StrictCharField()
    sha = StrictCharField()
    steps = serializers.ListField(child=serializers.DictField())
    env = serializers.DictField(child=StrictCharField())
    variables = serializers.DictField(child=StrictCharField())
    timeout = serializers.IntegerField()
    attempt = serializers.IntegerField()
    lease_seconds = serializers.IntegerField()
    log_offset = serializers.IntegerField(help_text="Bytes already in the job's log (earlier attempts)")
    job_token = StrictCharField()


def claimed_job_data(request, job: Job, raw_token: str, lease_seconds: int) -> dict:
    pipeline = job.pipeline
    repo = pipeline.repository
    return {
        "id": job.pk,
        "name": job.name,
        "pipeline": {"id": pipeline.pk, "number": pipeline.number, "trigger": pipeline.trigger},
        "repository": {"id": repo.pk, "full_name": repo.full_name},
        "clone_url": absolute_url(request, f"/{repo.full_name}.git"),
        "ref": pipeline.ref,
        "sha": pipeline.sha,
        "steps": job.steps,
        "env": job.env,
        "variables": pipeline.variables or {},
        "timeout": job.timeout,
        "attempt": job.attempt,
        "lease_seconds": lease_seconds,
        "log_offset": job.log_size,
        "job_token": raw_token,
    }
