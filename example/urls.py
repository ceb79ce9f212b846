"""URLs of the example site."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from example.pages import views as pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("h5/", pages.h5, name="h5"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("", include("djwechat.urls")),
]
