from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from kizuna.accounts.views import get_org
from kizuna import policy
from kizuna.api.errors import NotFound
from kizuna.api.fields import is_digits, request_root
from kizuna.api.views import KizunaViewSet, RepoScopedMixin

from . import services
from .filters import EventFilter
from .models import Event, Webhook, WebhookDelivery
from .payloads import event_json, request_base
from .serializers import (
    DeliveryDetailSerializer,
    DeliverySerializer,
    EventSerializer,
    WebhookCreateSerializer,
    WebhookSerializer,
)


class RepoEventViewSet(RepoScopedMixin, KizunaViewSet):
    """The repository's event log, newest first (docs/api.md §13)."""

    serializer_class = EventSerializer
    filterset_class = EventFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        return (
            Event.objects.filter(repository=self.repository)
            .filter(policy.repo_events_q(self.request.user, self.repository, token=self.request.auth))
            .select_related("actor", "on_behalf_of", "repository__namespace")
            .order_by("-id")
        )

    @extend_schema(responses=EventSerializer(many=True))
    def list(self, request, org, repo):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        base = request_base(request)
        return self.get_paginated_response([event_json(e, base) for e in page])


def _id(raw) -> int:
    if not is_digits(str(raw)) or len(str(raw)) > 18:
        raise NotFound()
    return int(raw)


class _WebhookViewSetBase(KizunaViewSet):
    serializer_class = WebhookSerializer
    required_scope = "admin"

    def owner_filter(self) -> dict:
        raise NotImplementedError

    def authorize(self) -> None:
        raise NotImplementedError

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.authorize()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Webhook.objects.none()
        return (
            Webhook.objects.filter(**self.owner_filter())
            .select_related("repository__namespace", "namespace")
            .order_by("-id")
        )

    @cached_property
    def hook(self) -> Webhook:
        hook = self.get_queryset().filter(pk=_id(self.kwargs["hook_id"])).first()
        if hook is None:
            raise NotFound()
        return hook

    def ctx(self):
        return {"request": self.request}

    @extend_schema(responses=WebhookSerializer(many=True))
    def list(self, request, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookSerializer(page, many=True, context=self.ctx()).data)

    @extend_schema(request=WebhookCreateSerializer, responses={201: WebhookSerializer})
    def create(self, request, **kwargs):
        serializer = WebhookCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hook = services.webhook_create(actor=self.actor, **self.owner_filter(), **serializer.validated_data,
                                       api_root=request_root(request))
        hook = self.get_queryset().get(pk=hook.pk)
        return Response(WebhookSerializer(hook, context=self.ctx()).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=WebhookSerializer)
    def retrieve(self, request, **kwargs):
        return Response(WebhookSerializer(self.hook, context=self.ctx()).data)

    @extend_schema(request=WebhookSerializer, responses=WebhookSerializer)
    def partial_update(self, request, **kwargs):
        serializer = WebhookSerializer(self.hook, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k in request.data}
        services.webhook_update(actor=self.actor, hook=self.hook, api_root=request_root(request), **changes)
        hook = self.get_queryset().get(pk=self.hook.pk)
        return Response(WebhookSerializer(hook, context=self.ctx()).data)

    def destroy(self, request, **kwargs):
        services.webhook_delete(actor=self.actor, hook=self.hook)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    def ping(self, request, **kwargs):
        delivery = services.webhook_ping(actor=self.actor, hook=self.hook)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    def delivery_queryset(self):
        return WebhookDelivery.objects.filter(webhook=self.hook).order_by("-id")

    @extend_schema(responses=DeliverySerializer(many=True))
    def deliveries(self, request, **kwargs):
        page = self.paginate_queryset(self.delivery_queryset().defer("body", "response_body", "request_headers", "response_headers"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    def get_delivery(self) -> WebhookDelivery:
        delivery = self.delivery_queryset().filter(pk=_id(self.kwargs["delivery_id"])).first()
        if delivery is None:
            raise NotFound()
        return delivery

    @extend_schema(responses=DeliveryDetailSerializer)
    def delivery(self, request, **kwargs):
        return Response(DeliveryDetailSerializer(self.get_delivery()).data)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    def redeliver(self, request, **kwargs):
        copy = services.webhook_redeliver(actor=self.actor, delivery=self.get_delivery())
        return Response(DeliverySerializer(copy).data, status=status.HTTP_202_ACCEPTED)


class RepoWebhookViewSet(RepoScopedMixin, _WebhookViewSetBase):
    def owner_filter(self):
        return {"repository": self.repository}

    def authorize(self):
        self.require(policy.Action.ADMIN)


class OrgWebhookViewSet(_WebhookViewSetBase):
    @cached_property
    def org(self):
        return get_org(self.kwargs["org"])

    def owner_filter(self):
        return {"namespace": self.org}

    def authorize(self):
        policy.check_namespace_admin(self.request.user, self.org, token=self.request.auth)

