"""Issue #11's "done when", on the demo: a participant of isa-forum sees the countdown, the
join link works inside its window only, the reminder mail arrives once (two passes of
`flask outbox send`, and two workers at once), and the organiser sees the attendance."""
import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from eventapp.demo import content
from eventapp.demo.loader import load_demo
from eventapp.extensions import db
from eventapp.models import Event, SessionReminder, UserRole
from eventapp.virtual.reminders import queue_due_reminders
from eventapp.virtual.services import join_token_for
from tests.factories import make_user
from tests.manage.test_routes import sign_in
from tests.outbox.smtp import text_body
from tests.registrations.support import sign_up


def _forum(session):
    load_demo(session)
    forum = session.scalar(select(Event).where(Event.slug == "isa-forum"))
    item = next(entry for entry in forum.sessions if entry.join_url == content.FORUM_PARTICIPANTS_LINK)
    return forum, item


def test_isa_forum_participant_countdown_window_reminder_once_and_attendance(
    app, session, client, runner, smtp_server, time_machine
):
    forum, item = _forum(session)
    result = sign_up(session, forum, email="li.wei@example.org")
    make_user(session, email="office@example.org", role=UserRole.ORGANISER, manages=[forum])
    session.commit()
    item_id, starts_at, ends_at = item.id, item.starts_at, item.ends_at
    join = f"/join/{join_token_for(result.registration)}/{item_id}"

    # An hour before: the manage page counts down; the link is refused; the reminder leaves once.
    time_machine.move_to(starts_at - timedelta(minutes=59), tick=False)
    manage = client.get(f"/registrations/{result.token}/?lang=en").get_data(as_text=True)
    early = client.get(join)
    now = starts_at - timedelta(minutes=59)
    due = [entry for entry in forum.sessions if entry.join_url and now < entry.starts_at <= now + timedelta(hours=1)]
    first = runner.invoke(args=["outbox", "send"])
    second = runner.invoke(args=["outbox", "send"])
    arrived = smtp_server.inbox.wait_for(1 + len(due))
    reminders = [message for message in arrived if message["Subject"].strip().startswith("Starting soon")]
    mine = [message for message in reminders if join in text_body(message)]

    # Inside the window the link leads to Zoom; after the end it is refused again.
    time_machine.move_to(starts_at - timedelta(minutes=10), tick=False)
    inside = client.get(join)
    time_machine.move_to(ends_at + timedelta(minutes=1), tick=False)
    late = client.get(join)
    sign_in(client, "office@example.org")
    attendance = client.get("/manage/events/isa-forum/attendance?lang=en").get_data(as_text=True)

    block = re.search(rf'id="join-{item_id}">(.*?)</div>', manage, re.S).group(1)
    assert ('data-countdown-to="' in block, content.FORUM_PARTICIPANTS_LINK in manage) == (True, False)
    assert (early.status_code, inside.status_code, inside.headers["Location"], late.status_code) == (
        403, 302, content.FORUM_PARTICIPANTS_LINK, 403)
    assert (first.exit_code, second.exit_code, len(reminders), len(arrived), len(mine)) == (
        0, 0, len(due), 1 + len(due), 1)
    assert f"https://events.example.org{join}" in text_body(mine[0])
    assert re.search(rf'id="attendance-{item_id}" data-count="(\d+)"', attendance).group(1) == "1"


def test_two_workers_queue_each_reminder_once(app, session):
    forum, item = _forum(session)
    for number in range(5):
        sign_up(session, forum, email=f"person{number}@example.org")
    session.commit()
    now = item.starts_at - timedelta(minutes=30)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def worker() -> None:
        with app.app_context():
            from eventapp.outbox.services import begin_write

            barrier.wait()
            begin_write(db.session)
            counts.append(queue_due_reminders(db.session, now, 60))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    session.rollback()  # end this test's read snapshot: see what the workers committed
    members = [entry.id for entry in forum.sessions if entry.join_url == content.FORUM_PARTICIPANTS_LINK]
    public = [entry.id for entry in forum.sessions
              if entry.join_url and entry.join_url != content.FORUM_PARTICIPANTS_LINK]
    due = [entry for entry in forum.sessions if entry.join_url and now < entry.starts_at <= now + timedelta(minutes=60)]
    assert (sorted(counts)[1] + sorted(counts)[0], len(due) * 5) == (len(due) * 5, len(due) * 5)
    assert session.scalar(select(func.count()).select_from(SessionReminder)) == len(due) * 5
    assert members and public
