"""Sign-out, a new password or a disabled account end every session and remember cookie."""
import re

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import User
from tests.factories import make_user

PASSWORD = "correct horse battery"


def csrf(client, path="/auth/login"):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, email, remember=False):
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf(client)}
    if remember:
        data["remember"] = "y"
    assert client.post("/auth/login", data=data).status_code == 302


def new_account(app, email="office@example.org"):
    """Created in a context of its own: requests must not share the test's `g` (Flask-Login
    caches the signed-in user there)."""
    with app.app_context():
        make_user(db.session, email=email)
        db.session.commit()
        db.session.remove()


def change_account(app, change):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "office@example.org"))
        change(user)
        db.session.commit()
        version = user.session_version
        db.session.remove()
    return version


def reaches_back_office(client):
    return client.get("/manage/").status_code == 200


def remember_cookie(client):
    return client.get_cookie("remember_token").value


def test_signing_out_ends_the_other_sessions_of_the_account(app):
    new_account(app)
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "office@example.org")
    sign_in(phone, "office@example.org")
    before = (reaches_back_office(laptop), reaches_back_office(phone))

    laptop.post("/auth/logout", data={"csrf_token": csrf(laptop, "/manage/")})

    assert (before, reaches_back_office(phone)) == ((True, True), False)


def test_remember_cookie_stops_working_after_sign_out(app):
    new_account(app)
    first = app.test_client()
    sign_in(first, "office@example.org", remember=True)
    stolen = app.test_client()
    stolen.set_cookie("remember_token", remember_cookie(first))
    before = reaches_back_office(stolen)

    response = first.post("/auth/logout", data={"csrf_token": csrf(first, "/manage/")})
    again = app.test_client()
    again.set_cookie("remember_token", remember_cookie(stolen))

    cleared = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("remember_token=")]
    assert (before, reaches_back_office(again)) == (True, False)
    assert len(cleared) == 1
    assert ("HttpOnly" in cleared[0], "SameSite=Lax" in cleared[0], "Expires=Thu, 01 Jan 1970" in cleared[0]) == (
        True, True, True)


def test_new_password_ends_existing_sessions(app):
    new_account(app)
    client = app.test_client()
    sign_in(client, "office@example.org")
    before = reaches_back_office(client)

    change_account(app, lambda user: user.set_password("another long passphrase"))

    assert (before, reaches_back_office(client)) == (True, False)


def test_disabling_an_account_ends_its_sessions(app):
    new_account(app)
    client = app.test_client()
    sign_in(client, "office@example.org")
    before = reaches_back_office(client)

    version = change_account(app, lambda user: setattr(user, "is_enabled", False))

    assert (before, version, reaches_back_office(client)) == (True, 2, False)
