"""Pipelines API (docs/api.md §11): repository endpoints and the agent job protocol."""

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from kizuna import policy
from kizuna.api.errors import NotFound, ValidationFailed
from kizuna.api.parsers import OctetStreamParser, PlainTextParser
from kizuna.api.renderers import KizunaJSONRenderer, PlainTextRenderer
from kizuna.api.schema import ErrorSerializer
from kizuna.api.views import KizunaViewSet, RepoScopedMixin

from . import services
from .filters import PipelineFilter
from .models import Job, Pipeline
from .serializers import (
    ClaimedJobSerializer,
    ClaimSerializer,
    FinishSerializer,
    HeartbeatSerializer,
    JobSerializer,
    PipelineSerializer,
    PipelineTriggerSerializer,
    claimed_job_data,
)


def pipelines_with_jobs():
    return Pipeline.objects.select_related("repository__namespace", "triggered_by").prefetch_related(
        Prefetch("jobs", queryset=Job.objects.select_related("agent").order_by("id"))
    )


class PipelineViewSet(RepoScopedMixin, KizunaViewSet):
    serializer_class = PipelineSerializer
    filterset_class = PipelineFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Pipeline.objects.none()
        return pipelines_with_jobs().filter(repository=self.repository).order_by("-id")

    def get_object(self):
        pipeline = self.get_queryset().filter(pk=self.kwargs["pipeline_id"]).first()
        if pipeline is None:
            raise NotFound()
        return pipeline

    def _data(self, pipeline):
        return PipelineSerializer(pipeline, context={"request": self.request}).data

    @extend_schema(summary="List pipelines, newest first")
    def list(self, request, org, repo):
        # Unfiltered, the repository's pipeline counter is the total: no rows counted as the list grows.
        total = PipelineFilter.total_of(self.repository, request.query_params)
        page = self.paginator.paginate_queryset(self.filter_queryset(self.get_queryset()), request, self, total=total)
        return self.get_paginated_response(PipelineSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(summary="Trigger a pipeline", request=PipelineTriggerSerializer, responses={201: PipelineSerializer})
    def create(self, request, org, repo):
        self.require(policy.Action.PIPELINE)
        serializer = PipelineTriggerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pipeline = services.pipeline_trigger(repo=self.repository, actor=self.actor, **serializer.validated_data)
        data = self._data(self.get_queryset().get(pk=pipeline.pk))
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    @extend_schema(summary="Get a pipeline with its jobs")
    def retrieve(self, request, org, repo, pipeline_id):
        return Response(self._data(self.get_object()))

    @extend_schema(summary="Cancel a pipeline", request=None, responses={202: PipelineSerializer})
    def cancel(self, request, org, repo, pipeline_id):
        pipeline = self.get_object()
        self.require(policy.Action.PIPELINE)
        services.pipeline_cancel(pipeline=pipeline, actor=self.actor)
        return Response(self._data(self.get_object()), status=status.HTTP_202_ACCEPTED)


class JobLogView(RepoScopedMixin, KizunaViewSet):
    renderer_classes = [PlainTextRenderer, KizunaJSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        # The log is text/plain whatever `Accept` says (docs/api.md §11): `Accept: application/json` must not
        # turn it into a JSON string served under a text/plain content type. Errors switch to JSON below.
        return PlainTextRenderer(), PlainTextRenderer.media_type

    def handle_exception(self, exc):
        # Errors keep the JSON envelope and its content type on this text endpoint.
        self.request.accepted_renderer = KizunaJSONRenderer()
        self.request.accepted_media_type = KizunaJSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        summary="A job's log",
        parameters=[
            OpenApiParameter("Range", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                             description="`bytes=N-`, `bytes=N-M` or `bytes=-N` (the last N bytes) → 206 with "
                                         "that part"),
            OpenApiParameter("If-Range", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                             description="Serve the Range only while the log's ETag is still this one (else 200)"),
        ],
        responses={(200, "text/plain"): OpenApiTypes.STR, (206, "text/plain"): OpenApiTypes.STR,
                   304: OpenApiResponse(description="Not modified (`If-None-Match` holds the log's current ETag)"),
                   416: OpenApiResponse(ErrorSerializer, description="RANGE_NOT_SATISFIABLE: `details.size` is the "
                                        "log's size, also sent as `Content-Range: bytes */<size>`")},
    )
    def retrieve(self, request, org, repo, pipeline_id, job_id):
        if request.query_params.get("format") not in (None, "txt", "json"):
            raise ValidationFailed({"format": ["must be txt or json"]})
        job = Job.objects.filter(pk=job_id, pipeline_id=pipeline_id, pipeline__repository=self.repository).first()
        if job is None:
            raise NotFound()
        size, etag = job.log_size, services.job_log_etag(job)
        # Preconditions come before Range (RFC 9110 §13.2.2): a current tag is a 304 even when the Range
        # would be unsatisfiable, so a client following the log's tail learns "nothing new" cheaply.
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            not_modified["ETag"] = etag
            return not_modified
        # If-Range (RFC 9110 §13.1.5): the part only while the log is still the one the client holds.
        if_range = request.headers.get("If-Range")
        honour_range = if_range is None or if_range.strip() == etag
        wanted = services.parse_range(request.headers.get("Range"), size) if honour_range else None
        # A plain HttpResponse: DRF's Response drops Content-Type from an empty body (an empty log).
        if wanted is None:
            response = HttpResponse(services.job_log_read(job), content_type="text/plain; charset=utf-8")
        else:
            start, end = wanted
            response = HttpResponse(services.job_log_read(job, start, end), status=status.HTTP_206_PARTIAL_CONTENT,
                                    content_type="text/plain; charset=utf-8")
            response["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        # Set here, not by ConditionalGetMiddleware: it hashes the body, so an empty log got no ETag and a
        # 206 got its part's tag instead of the log's.
        response["ETag"] = etag
        response["Accept-Ranges"] = "bytes"
        return response


class AgentJobViewSet(KizunaViewSet):
    """The agent job protocol: agent tokens with capability `ci` and trust ≥ 2."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        policy.check_job_runner(request.user)

    @extend_schema(summary="Claim a job", request=ClaimSerializer,
                   responses={201: ClaimedJobSerializer, 204: OpenApiResponse(description="No job available")})
    def claim(self, request):
        serializer = ClaimSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claimed = services.job_claim(agent=request.user, wait=serializer.validated_data["wait"])
        if claimed is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        job, raw = claimed
        return Response(claimed_job_data(request, job, raw, services.lease_seconds()), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Heartbeat a held job", request=None, responses={200: HeartbeatSerializer})
    def heartbeat(self, request, job_id):
        return Response({"status": services.job_heartbeat(agent=request.user, job_id=job_id)})

    @extend_schema(
        summary="Append to a held job's log",
        request={"text/plain": OpenApiTypes.STR, "application/octet-stream": OpenApiTypes.BINARY},
        parameters=[OpenApiParameter("X-Log-Offset", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True,
                                     description="Bytes of the log already accepted")],
        responses={202: OpenApiResponse(description="Accepted; `X-Log-Offset` carries the new size")},
    )
    def log(self, request, job_id):
        offset = services.parse_position(request.headers.get("X-Log-Offset"))
        if offset is None:
            raise ValidationFailed({"X-Log-Offset": ["a non-negative integer header is required"]})
        size = services.job_log_append(agent=request.user, job_id=job_id, offset=offset, data=request.data or b"")
        return Response(status=status.HTTP_202_ACCEPTED, headers={"X-Log-Offset": str(size)})

    @extend_schema(summary="Finish a held job", request=FinishSerializer, responses={200: JobSerializer})
    def finish(self, request, job_id):
        serializer = FinishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = services.job_finish(agent=request.user, job_id=job_id, **serializer.validated_data)
        return Response(JobSerializer(job, context={"request": request}).data)


class AgentJobLogViewSet(AgentJobViewSet):
    parser_classes = [PlainTextParser, OctetStreamParser]
