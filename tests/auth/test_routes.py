import re

import pytest

from tests.factories import make_user


def csrf_token(client, path="/auth/login"):
    body = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)


def login(client, email, password, next_path=""):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client), "next": next_path},
    )


def test_login_with_good_password_redirects_home(session, client):
    make_user(session, email="office@example.org", password="correct horse battery")
    session.commit()
    response = login(client, "Office@Example.org", "correct horse battery")
    assert (response.status_code, response.headers["Location"]) == (302, "/manage/")


def test_login_follows_local_next_path(session, client):
    make_user(session, email="office@example.org")
    session.commit()
    response = login(client, "office@example.org", "correct horse battery", "/events/?lang=en")
    assert response.headers["Location"] == "/events/?lang=en"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_follows_foreign_next(session, client, target):
    make_user(session, email="office@example.org")
    session.commit()
    response = login(client, "office@example.org", "correct horse battery", target)
    assert response.headers["Location"] == "/manage/"


def test_login_with_bad_password_is_refused(session, client):
    make_user(session, email="office@example.org")
    session.commit()
    response = login(client, "office@example.org", "wrong password")
    assert response.status_code == 401
    assert "E-Mail oder Passwort ist falsch." in response.get_data(as_text=True)


def test_login_for_unknown_account_looks_like_bad_password(client):
    response = login(client, "nobody@example.org", "whatever it is")
    assert response.status_code == 401


def test_login_without_csrf_token_is_400(session, client):
    make_user(session, email="office@example.org")
    session.commit()
    response = client.post(
        "/auth/login", data={"email": "office@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 400


def test_login_attempts_are_rate_limited(app, client):
    token = csrf_token(client)
    statuses = [
        client.post("/auth/login", data={"email": "x@example.org", "password": "bad", "csrf_token": token}).status_code
        for _ in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_logout_signs_out(session, client):
    make_user(session, email="office@example.org")
    session.commit()
    login(client, "office@example.org", "correct horse battery")
    token = csrf_token(client, "/")
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Organisator-Anmeldung" in client.get("/").get_data(as_text=True)
