"""`flask registrations purge --ended-before DATE`: remove personal data of old events;
`flask registrations reseal`: seal participants' tokens with the current SECRET_KEY."""
from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from eventapp.extensions import db
from eventapp.registrations.purge import purge_registrations
from eventapp.registrations.tokens import reseal_tokens

registrations_cli = AppGroup("registrations", help="Registrations and participants' data.")


@registrations_cli.command("purge")
@click.option(
    "--ended-before", "ended_before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Purge registrations of events that ended before this date (UTC), e.g. 2025-01-01.",
)
def purge_command(ended_before: datetime) -> None:
    """Remove names, addresses and notes of registrations for events that ended before DATE;
    counts by status, attendance, type and city stay for the archive."""
    count = purge_registrations(db.session, ended_before.replace(tzinfo=UTC))
    db.session.commit()
    click.echo(f"purged {count} registrations")


@registrations_cli.command("reseal")
def reseal_command() -> None:
    """Seal every participant's stored token with the current SECRET_KEY, after a rotation:
    then an old key can leave SECRET_KEY_FALLBACKS without losing the links that repeated
    sign-ups and mails are built from. Join links in mails already sent are signed with
    the key of their day: keep that key among the fallbacks while those mails matter."""
    counts = reseal_tokens(db.session)
    click.echo(f"resealed {counts.resealed}, already current {counts.current}, "
               f"unreadable {counts.unreadable} (these get sign-in links)")
