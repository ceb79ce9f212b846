"""The Identity model: the uniqueness guard, secret scrubbing, NULL unionids."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from djwechat.accounts.models import Identity, Provider, scrub_secrets

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def user() -> object:
    return User.objects.create_user(username="lin")


def make(user: object, **fields: object) -> Identity:
    values: dict[str, object] = {
        "user": user,
        "provider": Provider.MINIPROGRAM,
        "app_alias": "mp",
        "app_id": "wxapp1",
        "openid": "o-1",
        **fields,
    }
    return Identity.objects.create(**values)


def test_one_identity_per_app_and_openid(user: object) -> None:
    make(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        make(User.objects.create_user(username="other"))
    # The same openid string in another app is another person.
    make(user, app_id="wxapp2")
    assert Identity.objects.count() == 2


def test_many_identities_may_share_a_unionid_and_empty_unionids_are_null(user: object) -> None:
    make(user, unionid="u-1")
    make(user, app_id="wxapp2", unionid="u-1")
    make(user, app_id="wxapp3", openid="o-3", unionid="")
    make(user, app_id="wxapp4", openid="o-4", unionid="")
    assert Identity.objects.filter(unionid="u-1").count() == 2
    assert Identity.objects.filter(unionid__isnull=True).count() == 2


def test_secrets_are_scrubbed_on_every_save(user: object) -> None:
    identity = make(
        user,
        extra_data={
            "language": "en",
            "session_key": "secret",
            "Access_Token": "secret",
            "nested": {"refresh_token": "secret", "list": [{"code": "x", "ok": 1}]},
        },
    )
    identity.refresh_from_db()
    assert identity.extra_data == {"language": "en", "nested": {"list": [{"ok": 1}]}}

    identity.extra_data["session_key"] = "again"
    identity.save()
    identity.refresh_from_db()
    assert "session_key" not in identity.extra_data


def test_scrub_secrets_leaves_other_values_alone() -> None:
    assert scrub_secrets("session_key") == "session_key"
    assert scrub_secrets([1, {"a": None}]) == [1, {"a": None}]


def test_deleting_the_user_deletes_the_identities(user: object) -> None:
    make(user)
    User.objects.filter(pk=user.pk).delete()  # type: ignore[attr-defined]
    assert not Identity.objects.exists()


def test_str_names_provider_app_and_openid(user: object) -> None:
    assert str(make(user)) == "miniprogram:mp:o-1"
