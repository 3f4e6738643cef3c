from rest_framework import serializers

from drf_spectacular.utils import extend_schema_field

from kizuna.api.fields import (
    ActorSerializer, StrictBooleanField, StrictCharField, TimestampField, UrlField, api_url, full_match,
    timestamp,
)
from kizuna.api.serializers import KizunaModelSerializer
from kizuna.policy import is_staff

from .models import LOGIN_RE, Membership, Namespace, Role, Token

LOGIN = full_match(LOGIN_RE, "1-39 letters, digits or single hyphens, not starting or ending with a hyphen")


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    login = StrictCharField(source="username")
    type = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    email = StrictCharField(help_text="May be empty")
    site_admin = StrictBooleanField(source="is_staff")
    created_at = TimestampField(source="date_joined")

    def get_type(self, obj) -> str:
        return "User"

    def get_name(self, obj) -> str:
        return obj.get_full_name()

    def to_representation(self, user):
        """The fields above, built directly: `GET /user` is the hottest read, and DRF's generic path
        deep-copies all seven field objects for every serializer instance (~15 % of the request's
        CPU). The declarations stay the schema; tests/accounts/test_user_representation.py checks
        that this equals DRF's generic output of them."""
        return {
            "id": user.pk,
            "login": user.username,
            "type": self.get_type(user),
            "name": self.get_name(user),
            "email": user.email,
            "site_admin": is_staff(user),
            "created_at": timestamp(user.date_joined),
        }


class DeployIdentitySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="token.pk")
    login = StrictCharField()
    type = serializers.SerializerMethodField()
    repository = serializers.SerializerMethodField()
    scopes = serializers.ListField(child=StrictCharField())

    def get_type(self, obj) -> str:
        return "Deploy"

    def get_repository(self, obj) -> str:
        return obj.token.repository.full_name


class TokenSerializer(KizunaModelSerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=["read", "write", "admin"]), required=False,
                                   allow_empty=False, help_text="Default `[read, write]`")
    expires_at = TimestampField(required=False, allow_null=True,
                                help_text="When the token stops working; must be in the future (else 422). "
                                          "Null or absent: it never expires")

    class Meta:
        model = Token
        fields = ["id", "name", "hint", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "hint", "created_at", "last_used_at", "revoked_at"]

    def validate_expires_at(self, value):
        from django.utils import timezone

        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("must be in the future")
        return value


class DeployTokenSerializer(TokenSerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=["read", "write"]), required=False,
                                   allow_empty=False, help_text="Default `[read, write]`")


class NewTokenSerializer(TokenSerializer):
    """The create response: the only place the secret appears."""

    token = StrictCharField(read_only=True, help_text="The secret; shown once")

    class Meta(TokenSerializer.Meta):
        fields = TokenSerializer.Meta.fields + ["token"]


class NewDeployTokenSerializer(NewTokenSerializer):
    scopes = DeployTokenSerializer._declared_fields["scopes"]


class OrganizationSerializer(KizunaModelSerializer):
    login = StrictCharField(max_length=39, validators=[LOGIN])
    type = StrictCharField(source="kind", read_only=True)
    url = UrlField(lambda org: f"/orgs/{org.login}")

    class Meta:
        model = Namespace
        fields = ["id", "login", "name", "description", "type", "created_at", "url"]
        read_only_fields = ["id", "type", "created_at", "url"]
        extra_kwargs = {"name": {"required": False}, "description": {"required": False}}


class MemberSerializer(KizunaModelSerializer):
    login = StrictCharField(source="user.username", read_only=True)
    type = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["login", "type", "role"]

    def get_type(self, obj) -> str:
        return "User"


class ProfileSerializer(serializers.Serializer):
    """`GET /users/:login`: the public profile behind a login — a user, an organisation or an agent
    (logins, organisation names and agent names share one name space). Never an email address.
    Read-only: it renders `profile()`'s dict."""

    id = serializers.SerializerMethodField()
    login = serializers.CharField(read_only=True)
    type = serializers.ChoiceField(choices=["User", "Organization", "Agent"], read_only=True)
    name = serializers.CharField(read_only=True, help_text="Display name; may be empty")
    site_admin = serializers.BooleanField(read_only=True)
    created_at = TimestampField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="This profile")
    repos_url = serializers.CharField(read_only=True, allow_null=True,
                                      help_text="The namespace's repositories; null for agents")
    agent_url = serializers.CharField(read_only=True, allow_null=True,
                                      help_text="`GET /agents/:id` (signed-in callers); null unless an agent")
    operator = serializers.SerializerMethodField(help_text="The agent's operator; null unless an agent")

    @extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]})
    def get_id(self, profile):
        return profile["id"]

    @extend_schema_field(ActorSerializer(allow_null=True))
    def get_operator(self, profile):
        return profile["operator"]


def profile(obj, request) -> dict:
    """The ProfileSerializer fields of a User, an organisation Namespace or an Agent."""
    from agents.models import Agent

    if isinstance(obj, Agent):
        operator = obj.operator
        return {
            "id": str(obj.pk), "login": obj.name, "type": "Agent", "name": "", "site_admin": False,
            "created_at": obj.created_at, "url": api_url(request, f"/users/{obj.name}"), "repos_url": None,
            "agent_url": api_url(request, f"/agents/{obj.pk}"),
            "operator": {"id": operator.pk, "login": operator.username, "type": "User"},
        }
    if isinstance(obj, Namespace):
        return {
            "id": obj.pk, "login": obj.login, "type": "Organization", "name": obj.name, "site_admin": False,
            "created_at": obj.created_at, "url": api_url(request, f"/users/{obj.login}"),
            "repos_url": api_url(request, f"/repos/{obj.login}"), "agent_url": None, "operator": None,
        }
    return {
        "id": obj.pk, "login": obj.username, "type": "User", "name": obj.get_full_name(), "site_admin": is_staff(obj),
        "created_at": obj.date_joined, "url": api_url(request, f"/users/{obj.username}"),
        "repos_url": api_url(request, f"/repos/{obj.username}"), "agent_url": None, "operator": None,
    }

