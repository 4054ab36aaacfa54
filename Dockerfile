# The API image: GeoDjango needs GDAL/GEOS/PROJ from the system; Leaflet is copied from npm
# into static files at build time, so nothing is fetched from a CDN at run time.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgdal32 postgresql-client nodejs npm \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN bash scripts/build_web.sh \
 && cd backend && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --no-input --verbosity 0

ENV PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.base STATIC_ROOT=/app/var/static MEDIA_ROOT=/app/var/media
EXPOSE 8000
CMD ["bash", "scripts/docker_entrypoint.sh"]
