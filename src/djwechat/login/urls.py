"""Login endpoints, mounted under ``auth/`` by :mod:`djwechat.urls`."""

from django.urls import URLPattern, path

from djwechat.login.views import identities, miniprogram, official_account, website

urlpatterns: list[URLPattern] = [
    path(
        "miniprogram/<str:app>/login/",
        miniprogram.MiniProgramLoginView.as_view(),
        name="djwechat-miniprogram-login",
    ),
    path(
        "miniprogram/<str:app>/phone/",
        miniprogram.MiniProgramPhoneView.as_view(),
        name="djwechat-miniprogram-phone",
    ),
    path(
        "miniprogram/<str:app>/link/",
        identities.MiniProgramLinkView.as_view(),
        name="djwechat-miniprogram-link",
    ),
    path("identities/", identities.IdentityListView.as_view(), name="djwechat-identities"),
    path("identities/<str:identity_id>/", identities.IdentityDetailView.as_view(), name="djwechat-identity"),
    path("website/<str:app>/qr/", website.QRCreateView.as_view(), name="djwechat-website-qr"),
    path("website/<str:app>/qr/<str:ticket>/", website.QRPollView.as_view(), name="djwechat-website-poll"),
    path("website/<str:app>/callback/", website.QRCallbackView.as_view(), name="djwechat-website-callback"),
    path("oa/<str:app>/authorize/", official_account.OAAuthorizeView.as_view(), name="djwechat-oa-authorize"),
    path("oa/<str:app>/callback/", official_account.OACallbackView.as_view(), name="djwechat-oa-callback"),
    path("exchange/", official_account.ExchangeView.as_view(), name="djwechat-exchange"),
]
