import pytest

from eventapp.events import cache


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Rendered pages live in process memory: each test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def data(app):
    """Builds committed data in its own app context, so that each request afterwards runs
    in a fresh context with a fresh database session (as in production)."""
    from contextlib import contextmanager

    from eventapp.extensions import db

    @contextmanager
    def build():
        with app.app_context():
            yield db.session
            db.session.commit()
            db.session.remove()

    return build
