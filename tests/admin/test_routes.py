"""Admin pages: accounts, assignments and the audit log, through the test client."""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from sqlalchemy import select

from eventapp import audit
from eventapp.extensions import db
from eventapp.models import AuditEntry, EventOrganiser, User, UserRole
from tests.admin.support import csrf_token, sign_in
from tests.factories import make_event, make_user


def make_admin(session, email="admin@example.org", **overrides):
    return make_user(session, email=email, role=UserRole.ADMIN, **overrides)


def signed_in_admin(session, client):
    user = make_admin(session)
    session.commit()
    sign_in(client, "admin@example.org")
    return user


# --- accounts ----------------------------------------------------------------------------


def test_users_page_lists_role_state_sign_in_and_events(session, client):
    signed_in_admin(session, client)
    first, second = make_event(session), make_event(session)
    make_user(session, email="org@example.org", name="Li Wei", manages=[first, second],
              last_login_at=datetime(2027, 1, 14, 8, 5, tzinfo=UTC))
    make_user(session, email="gone@example.org", is_enabled=False)
    session.commit()

    response = client.get("/manage/admin/users/?lang=en")

    body = response.get_data(as_text=True)
    assert (response.status_code, response.headers["Cache-Control"]) == (200, "private, no-store")
    assert body.count('<tr data-user="') == 3
    assert 'data-events="2">2</td>' in body
    assert "Jan 14, 2027 09:05 Berlin (UTC+1)" in body
    assert "Jan 14, 2027 16:05 Beijing (UTC+8)" in body
    assert body.count(">disabled</span>") == 1


def new_user_fields(client, **overrides):
    fields = {"email": "New.Person@Example.org", "name": "Anna Schmidt", "role": "organiser",
              "password": "a long passphrase", "csrf_token": csrf_token(client, "/manage/admin/users/new")}
    fields.update(overrides)
    return fields


def test_new_user_creates_lower_cased_account_with_audit_entry(session, client):
    admin = signed_in_admin(session, client)

    response = client.post("/manage/admin/users/new", data=new_user_fields(client))

    user = session.scalar(select(User).where(User.email == "new.person@example.org"))
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert (response.status_code, response.headers["Location"]) == (302, f"/manage/admin/users/{user.id}/edit")
    assert (user.name, user.role, user.is_enabled, user.check_password("a long passphrase")) == (
        "Anna Schmidt", UserRole.ORGANISER, True, True)
    assert (entry.user_id, entry.object_id, entry.summary) == (admin.id, user.id, "new.person@example.org")


@pytest.mark.parametrize(("overrides", "field_id", "message"), [
    ({"email": "not an address"}, "email", "Please enter a valid e-mail address."),
    ({"email": "ADMIN@example.org"}, "email", "An account with this e-mail address already exists."),
    ({"name": "Anna\r\nBcc: x@example.org"}, "name", "The name must be a single line."),
    ({"password": "too short"}, "password", "The password needs at least 10 characters."),
])
def test_new_user_refuses_bad_input_beside_the_field(session, client, overrides, field_id, message):
    signed_in_admin(session, client)

    response = client.post("/manage/admin/users/new?lang=en", data=new_user_fields(client, **overrides))

    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="error" id="{field_id}-error">{message}</p>' in body
    assert session.scalar(select(User).where(User.email == "new.person@example.org")) is None


def edit(client, user, **overrides):
    path = f"/manage/admin/users/{user.id}/edit"
    fields = {"name": user.name or "", "role": user.role.value, "csrf_token": csrf_token(client, path)}
    if user.is_enabled:
        fields["is_enabled"] = "y"
    fields.update(overrides)
    fields = {key: value for key, value in fields.items() if value is not None}
    return client.post(f"{path}?lang=en", data=fields)


def test_edit_user_changes_name_role_and_state_with_diff(session, client):
    admin = signed_in_admin(session, client)
    user = make_user(session, email="org@example.org", name="Old")
    session.commit()

    response = edit(client, user, name="Wang Fang", role="admin", is_enabled=None)

    session.expire_all()
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert response.status_code == 302
    assert (user.name, user.role, user.is_enabled) == ("Wang Fang", UserRole.ADMIN, False)
    assert (entry.user_id, entry.changes) == (admin.id, {
        "is_enabled": [True, False], "name": ["Old", "Wang Fang"], "role": ["organiser", "admin"]})


def test_edit_user_refuses_disabling_oneself(session, client):
    admin = signed_in_admin(session, client)
    make_admin(session, email="other-admin@example.org")
    session.commit()

    response = edit(client, admin, is_enabled=None)

    session.expire_all()
    assert response.status_code == 422
    assert "You cannot disable your own account." in response.get_data(as_text=True)
    assert admin.is_enabled is True


def test_edit_user_refuses_demoting_oneself(session, client):
    admin = signed_in_admin(session, client)
    make_admin(session, email="other-admin@example.org")
    session.commit()

    response = edit(client, admin, role="organiser")

    session.expire_all()
    assert (response.status_code, admin.role) == (422, UserRole.ADMIN)
    assert "You cannot take away your own admin role." in response.get_data(as_text=True)


def test_edit_user_disables_another_admin(session, client):
    signed_in_admin(session, client)
    other = make_admin(session, email="other-admin@example.org")
    session.commit()

    response = edit(client, other, is_enabled=None)

    session.expire_all()
    assert (response.status_code, other.is_enabled) == (302, False)


def test_update_account_refuses_last_enabled_admin(session, english):
    from eventapp.admin import services
    from eventapp.rules.errors import RuleError

    last = make_admin(session, email="last@example.org")
    disabled = make_admin(session, email="off@example.org", is_enabled=False)

    with pytest.raises(RuleError) as refused:
        services.update_account(session, disabled, last, services.AccountData(None, UserRole.ADMIN, False))

    assert (refused.value.field, str(refused.value.message)) == (
        "is_enabled", "This is the last enabled admin account: keep it.")


def test_edit_user_huge_or_unknown_id_is_404(session, client):
    signed_in_admin(session, client)

    assert [client.get(f"/manage/admin/users/{user_id}/edit").status_code
            for user_id in (999, 2**31, 10**30)] == [404, 404, 404]


def test_reset_password_sets_new_password_without_logging_it(session, client):
    signed_in_admin(session, client)
    user = make_user(session, email="org@example.org")
    session.commit()
    path = f"/manage/admin/users/{user.id}/password"

    response = client.post(path, data={"password": "brand new passphrase",
                                       "csrf_token": csrf_token(client, f"/manage/admin/users/{user.id}/edit")})

    session.expire_all()
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_reset"))
    assert response.status_code == 302
    assert (user.check_password("brand new passphrase"), entry.changes) == (True, {})


def test_reset_password_refuses_short_password(session, client):
    signed_in_admin(session, client)
    user = make_user(session, email="org@example.org")
    session.commit()

    response = client.post(f"/manage/admin/users/{user.id}/password?lang=en", data={
        "password": "short", "csrf_token": csrf_token(client, f"/manage/admin/users/{user.id}/edit")})

    session.expire_all()
    assert response.status_code == 422
    assert '<p class="error" id="password-error">The password needs at least 10 characters.</p>' in (
        response.get_data(as_text=True))
    assert user.check_password("correct horse battery") is True


def test_disabled_user_loses_signed_in_session_at_once(app):
    # No shared app context: each request loads its user afresh, as in production.
    client = app.test_client()
    with app.app_context():
        event = make_event(db.session)
        user = make_user(db.session, email="org@example.org", manages=[event])
        db.session.commit()
        path, user_id = f"/manage/events/{event.slug}/registrations/", user.id
        db.session.remove()
    sign_in(client, "org@example.org")
    before = client.get(path).status_code

    with app.app_context():
        db.session.get(User, user_id).is_enabled = False
        db.session.commit()
        db.session.remove()
    response = client.get(path)

    assert (before, response.status_code, response.headers["Location"]) == (
        200, 302, "/auth/login?next=" + quote(path, safe=""))


def test_disabled_user_cannot_sign_in(session, client):
    make_user(session, email="org@example.org", is_enabled=False)
    session.commit()
    token = csrf_token(client, "/auth/login")

    response = client.post("/auth/login", data={"email": "org@example.org",
                                                "password": "correct horse battery", "csrf_token": token})

    assert response.status_code == 401


# --- assignments -------------------------------------------------------------------------


def test_assign_event_from_user_page(session, client):
    admin = signed_in_admin(session, client)
    event = make_event(session, slug="forum-2027")
    user = make_user(session, email="org@example.org")
    session.commit()
    path = f"/manage/admin/users/{user.id}/edit"
    assert '<option value="forum-2027">' in client.get(path).get_data(as_text=True)

    response = client.post(f"/manage/admin/users/{user.id}/events",
                           data={"event": "forum-2027", "csrf_token": csrf_token(client, path)})

    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "event.organiser_add"))
    assert (response.status_code, response.headers["Location"]) == (302, path)
    assert session.get(EventOrganiser, (event.id, user.id)) is not None
    assert (entry.user_id, entry.object_type, entry.object_id, entry.event_id) == (
        admin.id, "user", user.id, event.id)


def test_assign_event_refuses_unknown_slug(session, client):
    signed_in_admin(session, client)
    make_event(session)
    user = make_user(session, email="org@example.org")
    session.commit()
    path = f"/manage/admin/users/{user.id}/edit"

    response = client.post(f"/manage/admin/users/{user.id}/events?lang=en",
                           data={"event": "no-such\x00event", "csrf_token": csrf_token(client, path)})

    assert response.status_code == 422
    # The shared form base names the NUL byte as the reason.
    assert "This field contains a character that is not allowed." in response.get_data(as_text=True)
    assert session.scalar(select(EventOrganiser)) is None


def test_event_organisers_page_assigns_and_removes(session, client):
    signed_in_admin(session, client)
    event = make_event(session, slug="forum-2027")
    user = make_user(session, email="org@example.org")
    make_user(session, email="other@example.org", manages=[event])
    session.commit()
    page_path = "/manage/admin/events/forum-2027/organisers"
    body = client.get(f"{page_path}?lang=en").get_data(as_text=True)
    assert (f'<option value="{user.id}">org@example.org</option>' in body, body.count('<li data-user="')) == (True, 1)

    added = client.post(page_path, data={"user_id": str(user.id), "csrf_token": csrf_token(client, page_path)})
    removed = client.post(f"{page_path}/{user.id}/remove",
                          data={"csrf_token": csrf_token(client, page_path), "confirm": "1"})

    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert (added.headers["Location"], removed.headers["Location"]) == (page_path, page_path)
    assert session.get(EventOrganiser, (event.id, user.id)) is None
    assert actions == ["event.organiser_add", "event.organiser_remove"]


@pytest.mark.parametrize(("method", "query", "back"), [
    ("get", "", "/manage/admin/events/forum-2027/organisers"),
    ("post", "", "/manage/admin/events/forum-2027/organisers"),
    ("post", "back=user&", "/manage/admin/users/{user_id}/edit"),
])
def test_removing_an_organiser_asks_first_and_changes_nothing(session, client, method, query, back):
    signed_in_admin(session, client)
    event = make_event(session, slug="forum-2027", title={"de": "ISA-Forum", "en": "ISA Forum"})
    user = make_user(session, email="org@example.org", manages=[event])
    session.commit()
    page_path = "/manage/admin/events/forum-2027/organisers"
    remove_path = f"{page_path}/{user.id}/remove"
    data = {"csrf_token": csrf_token(client, page_path)} if method == "post" else None

    response = getattr(client, method)(f"{remove_path}?{query}lang=en", data=data)

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-confirm-page="remove-organiser"' in body
    assert "org@example.org will no longer manage “ISA Forum”" in body
    assert f'action="{remove_path}{"?back=user" if query else ""}"' in body
    assert '<input type="hidden" name="confirm" value="1">' in body
    assert f'<a href="{back.format(user_id=user.id)}">No, keep them</a>' in body
    assert session.get(EventOrganiser, (event.id, user.id)) is not None


def test_removing_an_account_that_does_not_manage_the_event_is_404(session, client):
    signed_in_admin(session, client)
    make_event(session, slug="forum-2027")
    user = make_user(session, email="org@example.org")
    session.commit()
    page_path = "/manage/admin/events/forum-2027/organisers"

    asked = client.get(f"{page_path}/{user.id}/remove")
    posted = client.post(f"{page_path}/{user.id}/remove", data={"csrf_token": csrf_token(client, page_path)})

    assert (asked.status_code, posted.status_code) == (404, 404)


def test_confirming_without_csrf_token_is_refused(session, client):
    signed_in_admin(session, client)
    event = make_event(session, slug="forum-2027")
    user = make_user(session, email="org@example.org", manages=[event])
    session.commit()

    response = client.post(f"/manage/admin/events/forum-2027/organisers/{user.id}/remove",
                           data={"confirm": "1"})

    assert response.status_code == 400
    assert session.get(EventOrganiser, (event.id, user.id)) is not None


@pytest.mark.parametrize("user_id", ["", "abc", "²", "99999999999999999999", "0"])
def test_event_organisers_refuses_bad_user_choice(session, client, user_id):
    signed_in_admin(session, client)
    make_event(session, slug="forum-2027")
    session.commit()
    page_path = "/manage/admin/events/forum-2027/organisers"

    response = client.post(f"{page_path}?lang=en",
                           data={"user_id": user_id, "csrf_token": csrf_token(client, page_path)})

    assert response.status_code == 422
    assert session.scalar(select(EventOrganiser)) is None


def test_remove_from_user_page_returns_there(session, client):
    signed_in_admin(session, client)
    event = make_event(session, slug="forum-2027")
    user = make_user(session, email="org@example.org", manages=[event])
    session.commit()
    path = f"/manage/admin/users/{user.id}/edit"

    response = client.post(f"/manage/admin/events/forum-2027/organisers/{user.id}/remove?back=user",
                           data={"csrf_token": csrf_token(client, path), "confirm": "1"})

    assert (response.status_code, response.headers["Location"]) == (302, path)
    assert session.scalar(select(EventOrganiser)) is None


def test_assigned_organiser_gains_and_loses_the_event(app):
    admin_client, organiser = app.test_client(), app.test_client()
    with app.app_context():
        make_admin(db.session)
        make_event(db.session, slug="forum-2027")
        user_id = make_user(db.session, email="org@example.org").id
        db.session.commit()
        db.session.remove()
    sign_in(admin_client, "admin@example.org")
    sign_in(organiser, "org@example.org")
    page_path = "/manage/admin/events/forum-2027/organisers"
    tool_path = "/manage/events/forum-2027/registrations/"

    before = organiser.get(tool_path).status_code
    admin_client.post(page_path, data={"user_id": str(user_id), "csrf_token": csrf_token(admin_client, page_path)})
    during = organiser.get(tool_path).status_code
    admin_client.post(f"{page_path}/{user_id}/remove",
                      data={"csrf_token": csrf_token(admin_client, page_path), "confirm": "1"})
    after = organiser.get(tool_path).status_code

    assert (before, during, after) == (403, 200, 403)


# --- audit log ---------------------------------------------------------------------------


def add_entries(session, actor, event, count):
    for number in range(count):
        audit.record(session, actor, "session.move", "session", number + 1, event_id=event.id,
                     summary=f"Item {number}", changes={"room": ["Saal A", f"Saal {number}"]})
    session.commit()


def test_audit_log_shows_entries_newest_first_with_zones_and_changes(session, client):
    admin = signed_in_admin(session, client)
    event = make_event(session, slug="forum-2027")
    first = audit.record(session, admin, "event.update", "event", event.id, event_id=event.id,
                         summary="<b>Forum</b>", changes={"capacity": [10, 20], "note": "kept"})
    first.created_at = datetime(2027, 6, 1, 7, 30, tzinfo=UTC)
    second = audit.record(session, None, "user.create", "user", admin.id, summary="cli")
    second.created_at = datetime(2027, 6, 2, 7, 30, tzinfo=UTC)
    session.commit()

    body = client.get("/manage/admin/audit/?lang=en").get_data(as_text=True)

    assert body.index(f'data-entry="{second.id}"') < body.index(f'data-entry="{first.id}"')
    assert "Jun 1, 2027 09:30 Berlin (UTC+2)" in body
    assert "Jun 1, 2027 15:30 Beijing (UTC+8)" in body
    assert "<code>capacity</code>: <del>10</del> → <ins>20</ins>" in body
    assert "<code>note</code>: kept" in body
    assert "&lt;b&gt;Forum&lt;/b&gt;" in body
    assert '<td>admin@example.org</td>' in body
    assert '<td>system</td>' in body
    assert '<a href="/manage/admin/audit/?event=forum-2027"><code>forum-2027</code></a>' in body


def test_audit_log_filters(session, client):
    admin = signed_in_admin(session, client)
    other = make_user(session, email="org@example.org")
    event, elsewhere = make_event(session, slug="forum-2027"), make_event(session)
    audit.record(session, admin, "registration.approve", "registration", 1, event_id=event.id)
    audit.record(session, other, "registration.reject", "registration", 2, event_id=event.id)
    audit.record(session, other, "registration.approve", "registration", 3, event_id=elsewhere.id)
    audit.record(session, admin, "user.update", "user", other.id)
    audit.record(session, admin, "registration_x.approve", "registration", 5)
    session.commit()

    def shown(query):
        body = client.get(f"/manage/admin/audit/?{query}").get_data(as_text=True)
        return body.count('<tr data-entry="')

    assert shown("event=forum-2027") == 2
    assert shown("user=ORG@example.org") == 2
    assert shown("action=registration.") == 3
    assert shown("action=registration_") == 1  # "_" is no wildcard
    assert shown("object_type=user") == 1
    assert shown("event=forum-2027&user=org@example.org&action=registration.re") == 1
    assert shown("") == 5


@pytest.mark.parametrize("query", [
    "page=²", "page=abc", "page=-1", "page=0", "page=1.5", "page=%00", "page=",
    "event=%00", "user=a%00b", "action=%00", "object_type=x%00y", "event=" + "x" * 500,
    "user=%F0%9F%98%80", "action=%25%25",
])
def test_audit_log_odd_parameters_never_fail(session, client, query):
    signed_in_admin(session, client)

    response = client.get(f"/manage/admin/audit/?{query}")

    assert response.status_code == 200


@pytest.mark.parametrize("page", ["2", "99999999999999999999999", "999999999"])
def test_audit_log_page_beyond_the_end_is_404(session, client, page):
    signed_in_admin(session, client)

    assert client.get(f"/manage/admin/audit/?page={page}").status_code == 404


def test_audit_log_pages_by_fifty(session, client):
    admin = signed_in_admin(session, client)
    add_entries(session, admin, make_event(session), 51)

    first = client.get("/manage/admin/audit/?lang=en&action=session.").get_data(as_text=True)
    second = client.get("/manage/admin/audit/?lang=en&action=session.&page=2").get_data(as_text=True)

    assert (first.count('<tr data-entry="'), second.count('<tr data-entry="')) == (50, 1)
    assert 'href="/manage/admin/audit/?page=2&amp;action=session."' in first
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("count", [1, 3])
def test_audit_log_query_count_is_fixed(session, client, count_queries, count):
    admin = signed_in_admin(session, client)
    add_entries(session, admin, make_event(session), count)
    session.expire_all()
    count_queries.statements.clear()

    response = client.get("/manage/admin/audit/")

    assert (response.status_code, count_queries.count) == (200, 4)


@pytest.mark.parametrize("count", [1, 3])
def test_users_page_query_count_is_fixed(session, client, count_queries, count):
    signed_in_admin(session, client)
    for _ in range(count):
        make_user(session, manages=[make_event(session)])
    session.commit()
    session.expire_all()
    count_queries.statements.clear()

    response = client.get("/manage/admin/users/")

    assert (response.status_code, count_queries.count) == (200, 3)


def test_user_loader_returns_nobody_for_disabled_or_odd_ids(app):
    with app.app_context():
        enabled = make_user(db.session, email="on@example.org")
        disabled = make_user(db.session, email="off@example.org", is_enabled=False)
        db.session.commit()
        load = app.login_manager._user_callback

        assert [load(enabled.get_id()), load(disabled.get_id()), load(f"{enabled.id}.²"),
                load(f"{2**31}.1"), load("0.1"), load(str(enabled.id))] == [
            enabled, None, None, None, None, None]
        db.session.remove()


def test_edit_user_page_shows_current_values(session, client):
    signed_in_admin(session, client)
    user = make_user(session, email="org@example.org", name="Li Wei")
    session.commit()

    body = client.get(f"/manage/admin/users/{user.id}/edit").get_data(as_text=True)

    assert '<option selected value="organiser">' in body
    assert 'id="name" maxlength="200" name="name" type="text" value="Li Wei"' in body
    assert 'checked id="is_enabled"' in body
