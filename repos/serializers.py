from rest_framework import serializers

from kizuna.api.fields import StrictBooleanField, StrictCharField, UrlField, absolute_url, full_match
from kizuna.api.serializers import KizunaModelSerializer

from .models import REPO_NAME_RE, Repository, Visibility, validate_repo_name

# REPO_NAME_RE without `.` and `..` (validate_repo_name), as one pattern the schema can state.
REPO_NAME = full_match(r"^(?!\.\.?$)" + REPO_NAME_RE.removeprefix("^"), "must be 1-100 of A-Z a-z 0-9 . _ -, not . or ..")


class OwnerSerializer(serializers.Serializer):
    login = StrictCharField()
    type = StrictCharField(source="kind")


class RepositorySerializer(KizunaModelSerializer):
    name = StrictCharField(max_length=100, validators=[REPO_NAME])
    full_name = StrictCharField(read_only=True)
    owner = OwnerSerializer(source="namespace", read_only=True)
    private = StrictBooleanField(read_only=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    default_branch = StrictCharField(max_length=255, required=False)
    description = StrictCharField(required=False, allow_blank=True)
    clone_url = serializers.SerializerMethodField()
    url = UrlField(lambda repo: f"/repos/{repo.full_name}")

    class Meta:
        model = Repository
        fields = [
            "id", "name", "full_name", "owner", "description", "visibility", "private", "default_branch",
            "archived", "open_issues_count", "open_pulls_count", "clone_url", "url", "created_at",
            "updated_at", "pushed_at",
        ]
        read_only_fields = ["id", "open_issues_count", "open_pulls_count", "created_at", "updated_at", "pushed_at"]
        extra_kwargs = {"archived": {"required": False}}

    def get_clone_url(self, repo) -> str:
        return absolute_url(self.context.get("request"), f"/{repo.full_name}.git")

    def validate_name(self, value):
        from django.core.exceptions import ValidationError

        try:
            validate_repo_name(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value

    def validate_default_branch(self, value):
        from .refs import is_valid_branch_name

        if not is_valid_branch_name(value):
            raise serializers.ValidationError("is not a valid branch name")
        return value


class RepositoryCreateSerializer(RepositorySerializer):
    auto_init = StrictBooleanField(required=False, default=False, write_only=True)

    class Meta(RepositorySerializer.Meta):
        fields = RepositorySerializer.Meta.fields + ["auto_init"]
