"""Agent JSON (docs/api.md §10) and the audit-trail event JSON (docs/api.md §13)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kizuna.api.fields import ActorSerializer, StrictCharField, StrictIntegerField, UrlField, full_match, not_blank
from kizuna.api.serializers import KizunaModelSerializer

from .models import AGENT_NAME_RE, Agent, TrustLevel
from .services import CAPABILITY_RE, MAX_CAPABILITIES


CAPABILITY = full_match(CAPABILITY_RE.pattern, "1-50 of a-z, 0-9 and . _ : / -, starting with a letter or digit")


class AgentSerializer(KizunaModelSerializer):
    id = serializers.UUIDField(read_only=True)
    operator = serializers.SerializerMethodField()
    trust_level_name = serializers.ChoiceField(choices=TrustLevel.labels, read_only=True)
    capabilities = serializers.ListField(child=StrictCharField())
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


class AgentIdentitySerializer(AgentSerializer):
    """`GET /user` with an agent token: the agent plus the actor fields `login` and `type: "Agent"`."""

    login = StrictCharField(source="name", read_only=True)
    type = serializers.ChoiceField(choices=["Agent"], read_only=True, default="Agent")

    class Meta(AgentSerializer.Meta):
        fields = AgentSerializer.Meta.fields + ["login", "type"]
        read_only_fields = fields


class AgentCreateSerializer(serializers.Serializer):
    """The body of `POST /agents`. Shape only; the services decide (names taken, trust 4 for staff)."""

    name = StrictCharField(max_length=39, validators=[full_match(AGENT_NAME_RE, "must be 1-39 characters of a-z, 0-9 and -")])
    description = StrictCharField(required=False, allow_blank=True, default="", max_length=10000)
    model_family = StrictCharField(max_length=100, validators=[not_blank])
    model_version = StrictCharField(max_length=100, validators=[not_blank])
    capabilities = serializers.ListField(child=StrictCharField(max_length=50, validators=[CAPABILITY]), required=False,
                                         default=list, max_length=MAX_CAPABILITIES)
    trust_level = StrictIntegerField(required=False, default=int(TrustLevel.RESTRICTED), min_value=0, max_value=4)


class AgentUpdateSerializer(serializers.Serializer):
    """The body of `PATCH /agents/:id`; `name, model_family, model_version, operator` are immutable."""

    description = StrictCharField(required=False, allow_blank=True, max_length=10000)
    capabilities = serializers.ListField(child=StrictCharField(max_length=50, validators=[CAPABILITY]), required=False,
                                         max_length=MAX_CAPABILITIES)
    trust_level = StrictIntegerField(required=False, min_value=0, max_value=4)
    status = serializers.ChoiceField(choices=Agent.Status.choices, required=False)


class NewAgentSerializer(AgentSerializer):
    """The registration response: the only place the agent's first token appears."""

    token = StrictCharField(read_only=True, help_text="The agent's `kza_` token; shown once")

    class Meta(AgentSerializer.Meta):
        fields = AgentSerializer.Meta.fields + ["token"]
        read_only_fields = fields


class AgentTokenSerializer(serializers.Serializer):
    token = StrictCharField(read_only=True, help_text="The new `kza_` token; shown once")
