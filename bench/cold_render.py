"""CPU time of the benchmark-congress page and of archive searches with empty page caches
(called by bench/run.py).

Needs the environment of the bench (DATABASE_URL, EVENTAPP_ENV, SECRET_KEY, PUBLIC_URL).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventapp import create_app  # noqa: E402
from eventapp.events import cache, routes  # noqa: E402
from eventapp.events.services import AgendaFilters, get_event_page, get_event_stamp  # noqa: E402
from eventapp.extensions import db  # noqa: E402
from eventapp.rules.times import now_utc  # noqa: E402

SLUG = "benchmark-congress"


def line(name: str, values: list[float]) -> None:
    print(f"{name:<52} min {min(values) * 1000:6.1f} ms   "
          f"median {statistics.median(values) * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    app = create_app()
    base_url = app.config["PUBLIC_URL"]
    client = app.test_client()
    path = f"/events/{SLUG}/"
    client.get(path, base_url=base_url)
    requests = []
    for _ in range(repeat):
        cache.clear()
        started = time.process_time()
        response = client.get(path, base_url=base_url)
        requests.append(time.process_time() - started)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    renders, agendas = [], []
    with app.test_request_context(path, base_url=base_url):
        page = get_event_page(db.session, get_event_stamp(db.session, SLUG).id)
        for _ in range(repeat):
            started = time.process_time()
            routes._render_detail(page, "de", AgendaFilters(), now_utc(), False)
            renders.append(time.process_time() - started)
            started = time.process_time()
            routes._render_detail(page, "de", AgendaFilters(), now_utc(), True)
            agendas.append(time.process_time() - started)
    line("cold request (version lookup, load, render)", requests)
    line("cold render of the page (agenda rows + templates)", renders)
    line("cold render of the agenda alone (?partial=agenda)", agendas)
    archive_searches(client, base_url, repeat)
    back_office_agenda(app, base_url, repeat)


def archive_searches(client, base_url: str, repeat: int) -> None:  # noqa: ANN001
    """CPU time of archive pages without the rendered-page cache: every word of
    bench/words.txt once (after one warm-up round), 佛山 and the far end of the list."""
    from urllib.parse import quote

    from eventapp.archive.routes import rendered_pages

    words = [line.strip() for line in Path(__file__).with_name("words.txt").read_text(
        encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]

    def timed(paths: list[str]) -> list[float]:
        timings = []
        for path in paths:
            rendered_pages.clear()
            started = time.process_time()
            response = client.get(path, base_url=base_url)
            timings.append(time.process_time() - started)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        return timings

    searches = ["/archive/?q=" + quote(word) for word in words]
    timed(searches)
    line(f"archive search, {len(words)} words (bench/words.txt)", timed(searches))
    line("archive ?q=佛山", timed(["/archive/?q=" + quote("佛山")] * repeat))
    line("archive ?page=480 (no words)", timed(["/archive/?page=480"] * repeat))


def back_office_agenda(app, base_url: str, repeat: int) -> None:  # noqa: ANN001
    """CPU time of the organisers' agenda builder page of the 300-session congress."""
    import re
    import secrets

    from eventapp.models import User, UserRole

    path = f"/manage/events/{SLUG}/agenda/"
    if "agenda.index" not in app.view_functions:
        return
    # Production cookies are Secure (and __Host-): the test client sends them over https only.
    base_url = "https://" + base_url.split("://", 1)[1]
    password = secrets.token_urlsafe(16)
    email = f"bench-{secrets.token_hex(4)}@example.org"
    with app.app_context():
        user = User(email=email, role=UserRole.ADMIN)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    body = client.get("/auth/login", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)
    # Over https Flask-WTF also wants a same-origin Referer.
    client.post("/auth/login", base_url=base_url, headers={"Referer": f"{base_url}/auth/login"},
                data={"email": email, "password": password, "csrf_token": token})
    client.get(path, base_url=base_url)
    timings = []
    for _ in range(repeat):
        started = time.process_time()
        response = client.get(path, base_url=base_url)
        timings.append(time.process_time() - started)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    line("back-office agenda builder page (300 items)", timings)


if __name__ == "__main__":
    main()
