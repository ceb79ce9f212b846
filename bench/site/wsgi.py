"""WSGI entry point of the benchmark site (``gunicorn bench.site.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.site.settings")
application = get_wsgi_application()
