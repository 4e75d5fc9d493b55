"""The participants-only link of the demo's isa-forum never appears in a public response."""
import logging
import re
from collections import deque
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from eventapp.demo import content
from eventapp.demo.loader import load_demo
from eventapp.models import Event

SECRETS = (
    content.FORUM_PARTICIPANTS_LINK,
    "0000000000",  # the meeting number inside the link
    "isa-forum-demo?",
    content.FORUM_PARTICIPANTS_MEETING_ID,
    content.FORUM_PARTICIPANTS_PASSCODE,
)
HREF = re.compile(r'(?:href|src)="([^"#]+)')
SKIP = ("/manage", "/static/", "/auth/logout", "/documents/")


def _crawl(client, starts, limit=400):
    """Every same-site page reachable from `starts` (query strings kept only for lang)."""
    seen, queue, responses = set(), deque(starts), {}
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or path.startswith(SKIP):
            continue
        seen.add(path)
        response = client.get(path)
        responses[path] = response
        if response.mimetype != "text/html":
            continue
        for link in HREF.findall(response.get_data(as_text=True)):
            parts = urlsplit(urljoin("http://localhost" + path, link))
            if parts.netloc != "localhost":
                continue
            query = parts.query if parts.query.startswith("lang=") and "&" not in parts.query else ""
            queue.append(parts.path + (f"?{query}" if query else ""))
    return responses


def _leaks(responses):
    found = []
    for path, response in responses.items():
        text = response.get_data(as_text=True).replace("\r\n ", "")
        headers = str(response.headers)
        found += [(path, secret) for secret in SECRETS if secret in text or secret in headers]
    return found


def test_demo_participants_link_appears_in_no_public_response(app, session, client, caplog, time_machine):
    load_demo(session)
    session.commit()
    forum = session.scalar(select(Event).where(Event.slug == "isa-forum"))
    members = [item for item in forum.sessions if item.join_url == content.FORUM_PARTICIPANTS_LINK]
    assert [item.join_passcode for item in members][:1] == [content.FORUM_PARTICIPANTS_PASSCODE]
    starts = ["/", "/events/", "/events/isa-forum/", "/events/isa-forum/?lang=en", "/events/isa-forum/?lang=zh",
              "/events/isa-forum/?partial=agenda", "/events/isa-forum.ics", "/calendar.ics",
              "/calendar.ics?lang=zh", "/archive/", "/cities/", "/healthz", "/events/nope/",
              "/events/isa-forum/sessions/99999999999/", "/events/isa-forum/register",
              f"/join/{'x' * 40}/{members[0].id}"]
    for item in forum.sessions:
        starts += [f"/events/isa-forum/sessions/{item.id}/", f"/events/isa-forum/sessions/{item.id}.ics",
                   f"/events/isa-forum/sessions/{item.id}/join"]
    caplog.set_level(logging.DEBUG)
    now_responses = _crawl(client, starts)
    # Again while the participants-only session's link is open, and after it ended.
    time_machine.move_to(members[0].starts_at - timedelta(minutes=5), tick=False)
    open_responses = _crawl(client, starts)
    time_machine.move_to(members[0].ends_at + timedelta(minutes=5), tick=False)
    ended_responses = _crawl(client, starts)
    join = client.get(f"/events/isa-forum/sessions/{members[0].id}/join")

    assert len(now_responses) > 40
    assert {response.status_code for response in now_responses.values()} >= {200, 404}
    assert join.status_code == 404
    assert _leaks(now_responses) + _leaks(open_responses) + _leaks(ended_responses) + _leaks({"join": join}) == []
    assert [secret for secret in SECRETS if secret in caplog.text] == []
