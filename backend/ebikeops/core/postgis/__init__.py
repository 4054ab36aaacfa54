"""Django's PostGIS database backend, with a connection health check that sends no query (base.py)."""
