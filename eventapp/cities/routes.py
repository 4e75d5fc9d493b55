"""The member directory and one page per city."""
from __future__ import annotations

from flask import abort, render_template

from eventapp.cities import bp
from eventapp.cities.services import (
    get_city_by_slug,
    list_attended_events,
    list_hosted_events,
    list_member_directory,
)
from eventapp.extensions import db
from eventapp.i18n import current_language


@bp.get("/cities/")
def index() -> str:
    groups = list_member_directory(db.session, current_language())
    return render_template(
        "cities/index.html",
        groups=groups,
        total=sum(group.city_count for group in groups),
    )


@bp.get("/cities/<slug>/")
def detail(slug: str) -> str:
    city = get_city_by_slug(db.session, slug)
    if city is None:
        abort(404)
    return render_template(
        "cities/detail.html",
        city=city,
        hosted=list_hosted_events(db.session, city),
        attended=list_attended_events(db.session, city),
    )
