from rest_framework import serializers

from kizuna.api.fields import StrictBooleanField, StrictCharField, TimestampField, UrlField, full_match
from kizuna.api.serializers import KizunaModelSerializer

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
