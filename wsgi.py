"""The WSGI entry point (`flask --app wsgi run`, `gunicorn wsgi:app`): the only module-level app."""

from relay import create_app

app = create_app()
