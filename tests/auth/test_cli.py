from sqlalchemy import select

from eventapp.models import User, UserRole


def test_users_create_makes_hashed_organiser(app, runner):
    result = runner.invoke(args=["users", "create", "Office@Example.org", "--role", "organiser",
                                 "--password", "a long passphrase"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from eventapp.extensions import db

        user = db.session.scalar(select(User))
        assert (user.email, user.role) == ("office@example.org", UserRole.ORGANISER)
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert user.check_password("a long passphrase")


def test_users_create_refuses_short_password(runner):
    result = runner.invoke(args=["users", "create", "a@example.org", "--password", "short"])
    assert result.exit_code == 1
    assert "mindestens 10 Zeichen" in result.output


def test_users_create_refuses_duplicate(runner):
    runner.invoke(args=["users", "create", "a@example.org", "--role", "admin", "--password", "long enough pw"])
    result = runner.invoke(args=["users", "create", "A@example.org", "--password", "long enough pw"])
    assert result.exit_code == 1
    assert "bereits ein Konto" in result.output
