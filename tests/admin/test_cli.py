"""`flask users create` and `flask users assign`."""
from __future__ import annotations

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import AuditEntry, EventOrganiser, UserRole
from tests.factories import make_event, make_user


def setup_accounts(app):
    with app.app_context():
        event = make_event(db.session, slug="forum-2027")
        user = make_user(db.session, email="org@example.org")
        make_user(db.session, email="boss@example.org", role=UserRole.ADMIN)
        db.session.commit()
        ids = (event.id, user.id)
        db.session.remove()
    return ids


def test_users_assign_and_remove(app, runner):
    event_id, user_id = setup_accounts(app)

    assigned = runner.invoke(args=["users", "assign", "ORG@example.org", "forum-2027"])
    with app.app_context():
        during = db.session.get(EventOrganiser, (event_id, user_id)) is not None
        db.session.remove()
    removed = runner.invoke(args=["users", "assign", "org@example.org", "forum-2027", "--remove"])

    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert (assigned.exit_code, assigned.output) == (0, "org@example.org now manages forum-2027\n")
        assert (removed.exit_code, removed.output) == (0, "org@example.org no longer manages forum-2027\n")
        assert (during, db.session.get(EventOrganiser, (event_id, user_id))) == (True, None)
        assert actions == ["event.organiser_add", "event.organiser_remove"]
        db.session.remove()


def test_users_assign_refuses_unknown_user_event_and_admin(app, runner):
    setup_accounts(app)

    results = [
        runner.invoke(args=["users", "assign", "nobody@example.org", "forum-2027"]),
        runner.invoke(args=["users", "assign", "org@example.org", "no-such-event"]),
        runner.invoke(args=["users", "assign", "boss@example.org", "forum-2027"]),
        runner.invoke(args=["users", "assign", "org@example.org", "forum-2027", "--remove"]),
    ]

    assert [result.exit_code for result in results] == [1, 1, 1, 1]
    assert [result.output.splitlines()[0] for result in results[:2]] == [
        "Error: No account with the e-mail address nobody@example.org.",
        "Error: No event with the slug no-such-event.",
    ]
    with app.app_context():
        assert (db.session.scalar(select(EventOrganiser)), db.session.scalar(select(AuditEntry))) == (None, None)
        db.session.remove()


def test_users_create_records_audit_entry_and_refuses_bad_address(app, runner):
    created = runner.invoke(args=["users", "create", "Wang.Fang@Example.org", "--name", "Wang Fang",
                                  "--password", "a long passphrase"])
    refused = runner.invoke(args=["users", "create", "not-an-address", "--password", "a long passphrase"])

    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert (created.exit_code, refused.exit_code) == (0, 1)
        assert (entry.action, entry.user_email, entry.summary) == ("user.create", None, "wang.fang@example.org")
        db.session.remove()
