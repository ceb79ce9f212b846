"""URLs of the session endpoints (mounted under ``auth/`` by :mod:`djwechat.urls`)."""

from django.db import transaction
from django.urls import URLPattern, path

from djwechat.jwt import views

urlpatterns: list[URLPattern] = [
    path("token/", views.TokenView.as_view(), name="djwechat-token"),
    # A detected refresh-token replay revokes the session and answers 401; under ATOMIC_REQUESTS
    # that error would roll the revocation back, so this view manages its own transactions.
    path(
        "token/refresh/",
        transaction.non_atomic_requests(views.RefreshView.as_view()),
        name="djwechat-token-refresh",
    ),
    path("logout/", views.LogoutView.as_view(), name="djwechat-logout"),
    path("me/", views.MeView.as_view(), name="djwechat-me"),
    path("sessions/", views.SessionListView.as_view(), name="djwechat-sessions"),
    path("sessions/<str:public_id>/", views.SessionDetailView.as_view(), name="djwechat-session"),
]
