"""App config of the example site's pages."""

from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The demo pages: website QR login on ``/``, Official Account H5 login on ``/h5/``."""

    name = "example.pages"
    label = "pages"
    verbose_name = "djwechat example pages"
