"""`GET /user`'s representation is built by hand (UserSerializer.to_representation, for speed): it must
stay what DRF's generic path makes of the declared fields, which are also the schema."""

from datetime import UTC, datetime

import pytest
from rest_framework import serializers

from kizuna.accounts.serializers import UserSerializer

pytestmark = pytest.mark.django_db


def generic(user) -> dict:
    return serializers.Serializer.to_representation(UserSerializer(), user)


@pytest.mark.parametrize("kwargs", [
    {},
    {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "is_staff": True},
])
def test_equals_the_declared_fields(make_user, kwargs):
    user = make_user("ada-1")
    for name, value in kwargs.items():
        setattr(user, name, value)
    user.date_joined = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    data = UserSerializer(user).data
    assert data == generic(user)
    assert list(data) == list(UserSerializer().fields)  # same keys, same order


def test_get_user_answers_it(api, make_user, make_token):
    user = make_user("ada-2", email="ada2@example.com")
    body = api(make_token(user)).get("/user").json()
    assert body == generic(user) and body["created_at"].endswith("Z") and body["type"] == "User"
