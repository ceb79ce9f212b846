"""ASGI entry point of the example site (``uvicorn example.asgi:application``).

Under ASGI a waiting QR-login poll is a coroutine, not a thread: one process holds thousands.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
application = get_asgi_application()
