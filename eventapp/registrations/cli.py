"""`flask registrations purge --ended-before DATE`: remove personal data of old events."""
from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from eventapp.extensions import db
from eventapp.registrations.purge import purge_registrations

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
