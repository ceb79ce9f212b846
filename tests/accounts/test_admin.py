"""The Identity admin: list, search by openid / unionid / user, filters, read-only keys."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from djwechat.accounts.models import Identity

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.urls")]

User = get_user_model()


@pytest.fixture
def identities() -> list[Identity]:
    lin = User.objects.create_user(username="lin", email="lin@example.com")
    wang = User.objects.create_user(username="wang")
    return [
        Identity.objects.create(
            user=lin, provider="miniprogram", app_alias="mp", app_id="wx1", openid="o-lin", unionid="u-lin"
        ),
        Identity.objects.create(
            user=wang, provider="website", app_alias="web", app_id="wx2", openid="o-wang"
        ),
    ]


def listed(admin_client: Any, **params: str) -> set[str]:
    response = admin_client.get(reverse("admin:djwechat_accounts_identity_changelist"), params)
    assert response.status_code == 200
    return {identity.openid for identity in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("o-lin", {"o-lin"}),
        ("u-lin", {"o-lin"}),
        ("wan", {"o-wang"}),
        ("lin@example", {"o-lin"}),
        ("o-", set()),
    ],
)
def test_search(admin_client: Any, identities: list[Identity], query: str, expected: set[str]) -> None:
    assert listed(admin_client, q=query) == expected


def test_filters(admin_client: Any, identities: list[Identity]) -> None:
    assert listed(admin_client) == {"o-lin", "o-wang"}
    assert listed(admin_client, provider="website") == {"o-wang"}
    assert listed(admin_client, app_alias="mp") == {"o-lin"}


def test_the_wechat_keys_of_an_existing_identity_are_read_only(
    admin_client: Any, identities: list[Identity]
) -> None:
    url = reverse("admin:djwechat_accounts_identity_change", args=[identities[0].pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "openid" not in form.fields
    assert "app_id" not in form.fields
    assert "unionid" in form.fields
