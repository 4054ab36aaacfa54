"""The floor of `make loadtest`: the smallest Django JSON view, served by gunicorn with the
product's settings (backend/config/gunicorn.conf.py). No middleware, no database, no auth:
what this machine can do per request before the product's own work starts."""

import django
from django.conf import settings
from django.http import JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="loadtest-floor-only",  # noqa: S106 - answers a constant, holds no secrets
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
django.setup()


def hello(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [path("", hello)]

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after settings.configure

application = get_wsgi_application()
