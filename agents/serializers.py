"""Agent JSON (API.md §10) and the audit-trail event JSON (API.md §13)."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from kizuna.api.fields import ActorField, ActorSerializer, UrlField, api_url
from kizuna.events.models import Event

from .models import AGENT_NAME_RE, Agent, TrustLevel


class StrictCharField(serializers.CharField):
    """A string and nothing else: numbers are not silently turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class AgentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(read_only=True)
    operator = serializers.SerializerMethodField()
    trust_level_name = serializers.ChoiceField(choices=TrustLevel.labels, read_only=True)
    capabilities = serializers.ListField(child=serializers.CharField())
    url = UrlField(lambda agent: f"/agents/{agent.pk}")

    class Meta:
        model = Agent
        fields = [
            "id", "name", "description", "operator", "model_family", "model_version", "capabilities",
            "trust_level", "trust_level_name", "reputation_score", "status", "created_at", "updated_at",
            "last_seen_at", "last_audited", "url",
        ]
        read_only_fields = fields

    @extend_schema_field(ActorSerializer)
    def get_operator(self, agent) -> dict:
        # Built from the user row (selected with the agent): no Actor join per row.
        operator = agent.operator
        return {"id": operator.pk, "login": operator.username, "type": "User"}


class AgentCreateSerializer(serializers.Serializer):
    """The body of `POST /agents`. Shape only; the services decide (names taken, trust 4 for staff)."""

    name = serializers.RegexField(
        AGENT_NAME_RE, max_length=39, trim_whitespace=False, error_messages={"invalid": "must be 1-39 characters of a-z, 0-9 and -"}
    )
    description = StrictCharField(required=False, allow_blank=True, default="", max_length=10000)
    model_family = StrictCharField(max_length=100)
    model_version = StrictCharField(max_length=100)
    capabilities = serializers.ListField(child=StrictCharField(max_length=50), required=False, default=list)
    trust_level = serializers.IntegerField(required=False, default=int(TrustLevel.RESTRICTED), min_value=0, max_value=4)

    def validate_trust_level(self, value):
        if isinstance(self.initial_data.get("trust_level"), bool):
            raise serializers.ValidationError("must be an integer from 0 to 4")
        return value


class AgentUpdateSerializer(serializers.Serializer):
    """The body of `PATCH /agents/:id`; `name, model_family, model_version, operator` are immutable."""

    description = StrictCharField(required=False, allow_blank=True, max_length=10000)
    capabilities = serializers.ListField(child=StrictCharField(max_length=50), required=False)
    trust_level = serializers.IntegerField(required=False, min_value=0, max_value=4)
    status = serializers.ChoiceField(choices=Agent.Status.choices, required=False)

    validate_trust_level = AgentCreateSerializer.validate_trust_level


class NewAgentSerializer(AgentSerializer):
    """The registration response: the only place the agent's first token appears."""

    token = serializers.CharField(read_only=True, help_text="The agent's `kza_` token; shown once")

    class Meta(AgentSerializer.Meta):
        fields = AgentSerializer.Meta.fields + ["token"]
        read_only_fields = fields


class AgentTokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="The new `kza_` token; shown once")


class EventRepositorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    full_name = serializers.CharField()
    url = serializers.URLField()


@extend_schema_serializer(component_name="AgentEvent")
class EventSerializer(serializers.ModelSerializer):
    """An event of the log: `{id, type, repository, actor, on_behalf_of, payload, created_at}`."""

    repository = serializers.SerializerMethodField()
    actor = ActorField()
    on_behalf_of = ActorField(allow_null=True)
    payload = serializers.JSONField()

    class Meta:
        model = Event
        fields = ["id", "type", "repository", "actor", "on_behalf_of", "payload", "created_at"]
        read_only_fields = fields

    @extend_schema_field(EventRepositorySerializer(allow_null=True))
    def get_repository(self, event):
        repo = event.repository
        if repo is None:
            return None
        return {"id": repo.pk, "name": repo.name, "full_name": repo.full_name,
                "url": api_url(self.context.get("request"), f"/repos/{repo.full_name}")}
