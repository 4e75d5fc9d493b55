"""Admin services: account rules, assignments and the audit log's reading side."""
from __future__ import annotations

import pytest

from eventapp import audit
from eventapp.admin import services
from eventapp.admin.services import ChangeLine
from eventapp.models import UserRole
from eventapp.rules.errors import RuleError
from tests.factories import make_event, make_user


@pytest.mark.parametrize("name", ["Anna\nSchmidt", "Anna\rSchmidt", "Anna\x00", "Tab\there", "x" * 201])
def test_create_account_refuses_bad_names(session, name):
    with pytest.raises(RuleError) as refused:
        services.create_account(session, None, "anna@example.org", "a long passphrase",
                                UserRole.ORGANISER, name=name)

    assert refused.value.field == "name"


def test_create_account_strips_name_and_lower_cases_email(session):
    user = services.create_account(session, None, "  Li.Wei@Example.ORG ", "a long passphrase",
                                   UserRole.ADMIN, name="  李伟  ")

    assert (user.email, user.name, user.role) == ("li.wei@example.org", "李伟", UserRole.ADMIN)


def test_assign_organiser_refuses_admins_and_duplicates(session, english):
    event = make_event(session)
    admin = make_user(session, role=UserRole.ADMIN)
    organiser = make_user(session, manages=[event])

    with pytest.raises(RuleError) as admin_refused:
        services.assign_organiser(session, None, admin, event)
    with pytest.raises(RuleError) as twice_refused:
        services.assign_organiser(session, None, organiser, event)

    assert (str(admin_refused.value.message), str(twice_refused.value.message)) == (
        "Admins manage every event; there is nothing to assign.",
        "This account already manages this event.",
    )


def test_assignable_users_leave_out_admins_disabled_and_assigned(session):
    event = make_event(session)
    make_user(session, email="admin@example.org", role=UserRole.ADMIN)
    make_user(session, email="off@example.org", is_enabled=False)
    make_user(session, email="in@example.org", manages=[event])
    make_user(session, email="free@example.org")

    assert [user.email for user in services.list_assignable_users(session, event)] == ["free@example.org"]


def test_change_lines_show_pairs_and_single_values():
    lines = services.change_lines({
        "title": [{"de": "Alt"}, {"de": "Neu", "en": "New"}],
        "is_enabled": [True, False],
        "room": [None, "Saal A"],
        "rows": 3,
    })

    assert lines == [
        ChangeLine("is_enabled", "yes", "no"),
        ChangeLine("room", "–", "Saal A"),
        ChangeLine("rows", "3", None),
        ChangeLine("title", "de: Alt", "de: Neu, en: New"),
    ]


@pytest.mark.parametrize(("value", "expected"), [
    ("  forum  ", "forum"), ("", None), (None, None), ("a\x00b", None), ("x" * 81, None),
])
def test_clean_filter(value, expected):
    assert services.clean_filter(value, 80) == expected


def test_list_audit_entries_pages_newest_first(session):
    actor = make_user(session, email="office@example.org")
    event = make_event(session, slug="forum-2027")
    for number in range(52):
        audit.record(session, actor, "session.move", "session", number, event_id=event.id)
    session.flush()

    first = services.list_audit_entries(session, services.AuditFilters(), 1)
    last = services.list_audit_entries(session, services.AuditFilters(event="forum-2027"), 2)

    assert (first.total, first.pages, len(first.rows), first.rows[0].entry.object_id) == (52, 2, 50, 51)
    assert ([row.entry.object_id for row in last.rows], last.rows[0].event_slug) == ([1, 0], "forum-2027")
    assert (first.has_previous, first.has_next, last.has_previous, last.has_next) == (False, True, True, False)
