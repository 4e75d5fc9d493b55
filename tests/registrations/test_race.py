"""50 simultaneous registrations for 10 places through a real multi-threaded HTTP server.

Each client is honest: it GETs the form with its own cookie jar, takes the CSRF token from
the page, then all of them POST at the same moment (a barrier) from 50 threads.
"""
from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from eventapp.models import Event, Registration
from tests.registrations.support import CSRF_RE, form_fields, open_event

CLIENTS = 50
PLACES = 10


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        pass


def _client() -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())


def test_concurrent_registrations_never_overbook(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_RATE_LIMIT", "1000 per minute")
    event = open_event(session, capacity_onsite=PLACES, capacity_online=None)
    session.commit()
    event_id, slug = event.id, event.slug
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/events/{slug}/register"
    try:
        clients = [_client() for _ in range(CLIENTS)]
        tokens = []
        for client in clients:
            body = client.open(url, timeout=30).read().decode()
            tokens.append(CSRF_RE.search(body).group(1))
        barrier = threading.Barrier(CLIENTS)

        def post(number: int) -> int:
            fields = form_fields(email=f"person{number}@example.org", csrf_token=tokens[number])
            data = urllib.parse.urlencode(fields).encode()
            barrier.wait()
            try:
                return clients[number].open(url, data=data, timeout=60).status
            except urllib.error.HTTPError as error:
                return error.code

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            codes = Counter(pool.map(post, range(CLIENTS)))
    finally:
        server.shutdown()
        thread.join()
    session.rollback()  # end the test's own snapshot (SQLite WAL) before counting
    statuses = Counter(
        status.value for status in session.scalars(
            select(Registration.status).where(Registration.event_id == event_id))
    )
    taken = session.scalar(select(Event.taken_onsite).where(Event.id == event_id))
    print(f"race: responses {dict(codes)}, statuses {dict(statuses)}, taken_onsite {taken}")
    assert dict(codes) == {302: CLIENTS}
    assert dict(statuses) == {"confirmed": PLACES, "waiting": CLIENTS - PLACES}
    assert taken == PLACES
