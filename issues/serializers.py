# provisional (pulls branch): replaced by the issues branch at merge
from rest_framework import serializers

from kizuna.api.fields import ActorField, UrlField

from .models import Comment, Label


class LabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["id", "name", "color", "description"]


class CommentSerializer(serializers.ModelSerializer):
    body = serializers.CharField()
    author = ActorField()
    url = UrlField(lambda c: f"/repos/{c.issue.repository.full_name}/issues/comments/{c.pk}")

    class Meta:
        model = Comment
        fields = ["id", "body", "author", "created_at", "updated_at", "url"]
        read_only_fields = ["id", "created_at", "updated_at"]
