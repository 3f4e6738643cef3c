from rest_framework import serializers

from kizuna.api.fields import StrictCharField, UrlField, absolute_url

from .models import Repository, Visibility, validate_repo_name


class OwnerSerializer(serializers.Serializer):
    login = serializers.CharField()
    type = serializers.CharField(source="kind")


class RepositorySerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=100)
    full_name = serializers.CharField(read_only=True)
    owner = OwnerSerializer(source="namespace", read_only=True)
    private = serializers.BooleanField(read_only=True)
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
    auto_init = serializers.BooleanField(required=False, default=False, write_only=True)

    class Meta(RepositorySerializer.Meta):
        fields = RepositorySerializer.Meta.fields + ["auto_init"]
