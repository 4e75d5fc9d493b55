"""Command line: `flask users create|assign`, `flask demo load`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from eventapp.database import settle_after_bulk_load
from eventapp.extensions import db
from eventapp.models import UserRole
from eventapp.rules.errors import RuleError

users_cli = AppGroup("users", help="Organiser and admin accounts.")
demo_cli = AppGroup("demo", help="Demo data.")


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([role.value for role in UserRole]), default="organiser",
    show_default=True,
)
@click.option("--name", default=None, help="Display name.")
@click.password_option("--password", prompt=True, help="Prompted for when not given.")
def create_user_command(email: str, role: str, name: str | None, password: str) -> None:
    """Create an organiser or admin account."""
    from eventapp.admin.services import create_account

    try:
        user = create_account(db.session, None, email, password, UserRole(role), name=name)
    except RuleError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}")


@users_cli.command("assign")
@click.argument("email")
@click.argument("slug")
@click.option("--remove", is_flag=True, help="Take the event away instead.")
def assign_user_command(email: str, slug: str, remove: bool) -> None:
    """Let an organiser manage an event (or, with --remove, no longer)."""
    from eventapp.admin.services import (
        assign_organiser,
        get_event_by_slug,
        get_user_by_email,
        remove_organiser,
    )

    user = get_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail address {email}.")
    event = get_event_by_slug(db.session, slug)
    if event is None:
        raise click.ClickException(f"No event with the slug {slug}.")
    try:
        if remove:
            remove_organiser(db.session, None, user, event)
        else:
            assign_organiser(db.session, None, user, event)
    except RuleError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    if remove:
        click.echo(f"{user.email} no longer manages {event.slug}")
    else:
        click.echo(f"{user.email} now manages {event.slug}")


@demo_cli.command("load")
@click.option("--large", is_flag=True, help="Also add benchmark-congress and 10,000 archived events.")
def load_demo_command(large: bool) -> None:
    """Load the demo data (idempotent)."""
    from eventapp.demo.loader import load_demo

    summary = load_demo(db.session, large=large)
    db.session.commit()
    if large:
        settle_after_bulk_load(db.engine)
    for line in summary:
        click.echo(line)


def init_app(app: Flask) -> None:
    from eventapp.outbox.cli import outbox_cli
    from eventapp.registrations.cli import registrations_cli

    app.cli.add_command(outbox_cli)
    app.cli.add_command(registrations_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
