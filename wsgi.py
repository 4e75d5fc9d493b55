"""WSGI entry point: `gunicorn wsgi:app`, and FLASK_APP for the flask command."""
from eventapp import create_app

app = create_app()
