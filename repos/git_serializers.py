"""Shapes of the git read endpoints (API.md §7): branches, commits, contents."""

import base64

from rest_framework import serializers


class CommitRefSerializer(serializers.Serializer):
    sha = serializers.CharField()


class BranchSerializer(serializers.Serializer):
    name = serializers.CharField()
    commit = CommitRefSerializer()
    protected = serializers.BooleanField()


class GitPersonSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()
    date = serializers.DateTimeField()


class CommitSerializer(serializers.Serializer):
    sha = serializers.CharField()
    message = serializers.CharField()
    author = GitPersonSerializer()
    committer = GitPersonSerializer()
    parents = serializers.ListField(child=serializers.CharField())


class CommitFileSerializer(serializers.Serializer):
    filename = serializers.CharField()
    status = serializers.ChoiceField(choices=["added", "removed", "modified", "renamed", "copied", "changed"])
    additions = serializers.IntegerField()
    deletions = serializers.IntegerField()
    previous_filename = serializers.CharField(required=False)


class CommitStatsSerializer(serializers.Serializer):
    additions = serializers.IntegerField()
    deletions = serializers.IntegerField()
    total = serializers.IntegerField()


class CommitDetailSerializer(CommitSerializer):
    stats = CommitStatsSerializer()
    files = CommitFileSerializer(many=True)


class ContentEntrySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["file", "dir", "symlink", "submodule"])
    name = serializers.CharField()
    path = serializers.CharField()
    sha = serializers.CharField()
    size = serializers.IntegerField()


class ContentFileSerializer(ContentEntrySerializer):
    encoding = serializers.CharField(default="base64")
    content = serializers.SerializerMethodField()

    def get_content(self, obj) -> str:
        return base64.b64encode(obj["data"]).decode()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["encoding"] = "base64"
        return data
