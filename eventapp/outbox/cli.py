"""`flask outbox send [--loop]`: deliver waiting mail with retry."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from eventapp.extensions import db
from eventapp.outbox.services import MailSettings, begin_write, send_due, worker_name
from eventapp.virtual.reminders import queue_due_reminders

outbox_cli = AppGroup("outbox", help="Outgoing e-mail.")


def _queue_reminders() -> int:
    begin_write(db.session)
    queued = queue_due_reminders(db.session)
    db.session.commit()
    return queued


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running and send new mail as it arrives.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
@click.option("--batch", default=50, show_default=True, help="Mails claimed per round.")
def send_command(loop: bool, interval: float, batch: int) -> None:
    """Deliver due mails through MAIL_SERVER; failed ones are retried later with backoff."""
    settings = MailSettings.from_config(current_app.config)
    if not settings.server:
        raise click.ClickException("MAIL_SERVER is not set: mail stays in the outbox.")
    worker = worker_name()
    while True:
        # Reminders first, each pass: queued once per registration and session (unique row).
        _queue_reminders()
        sent, failed = send_due(db.session, settings, worker, limit=batch)
        db.session.remove()
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            return
        if sent + failed < batch:
            time.sleep(interval)


@outbox_cli.command("reminders")
def reminders_command() -> None:
    """Queue the reminders of virtual sessions starting within REMINDER_MINUTES (once each)."""
    queued = _queue_reminders()
    click.echo(f"queued {queued} reminders")
