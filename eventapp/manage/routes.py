"""The back office's start page."""
from __future__ import annotations

from flask import render_template

from eventapp.auth.decorators import organiser_required
from eventapp.extensions import db
from eventapp.manage import bp
from eventapp.manage.services import list_back_office_events
from eventapp.models import EventStatus, RegistrationStatus


@bp.get("/")
@organiser_required
def index() -> tuple[str, int, dict[str, str]]:
    body = render_template(
        "manage/index.html",
        items=list_back_office_events(db.session),
        statuses=list(RegistrationStatus),
        draft=EventStatus.DRAFT,
    )
    return body, 200, {"Cache-Control": "private, no-store"}
