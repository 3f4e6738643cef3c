"""Shapes of the git read endpoints (docs/api.md §7): branches, commits, contents."""

import base64

from rest_framework import serializers

from kizuna.api.fields import StrictBooleanField, StrictCharField, TimestampField


class CommitRefSerializer(serializers.Serializer):
    sha = StrictCharField()


class BranchSerializer(serializers.Serializer):
    name = StrictCharField()
    commit = CommitRefSerializer()
    protected = StrictBooleanField()


class GitPersonSerializer(serializers.Serializer):
    name = StrictCharField()
    email = StrictCharField()
    date = TimestampField()


class CommitSerializer(serializers.Serializer):
    sha = StrictCharField()
    message = StrictCharField()
    author = GitPersonSerializer()
    committer = GitPersonSerializer()
    parents = serializers.ListField(child=StrictCharField())


class CommitFileSerializer(serializers.Serializer):
    filename = StrictCharField()
    status = serializers.ChoiceField(choices=["added", "removed", "modified", "renamed", "copied", "changed"])
    additions = serializers.IntegerField()
    deletions = serializers.IntegerField()
    previous_filename = StrictCharField(required=False)


class CommitStatsSerializer(serializers.Serializer):
    additions = serializers.IntegerField()
    deletions = serializers.IntegerField()
    total = serializers.IntegerField()


class CommitDetailSerializer(CommitSerializer):
    stats = CommitStatsSerializer()
    files = CommitFileSerializer(many=True)


class ContentEntrySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["file", "dir", "symlink", "submodule"])
    name = StrictCharField()
    path = StrictCharField()
    sha = StrictCharField()
    size = serializers.IntegerField()


class ContentFileSerializer(ContentEntrySerializer):
    encoding = StrictCharField(default="base64")
    content = serializers.SerializerMethodField()

    def get_content(self, obj) -> str:
        return base64.b64encode(obj["data"]).decode()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["encoding"] = "base64"
        return data
