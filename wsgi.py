"""WSGI entry point: `gunicorn wsgi:app` serves the folder named by FEEDS_DATA (default data/)."""

from feeds.web import create_app

app = create_app()
