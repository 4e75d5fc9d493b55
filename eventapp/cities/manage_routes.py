"""Member cities in the back office: the list, create and edit."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.auth.decorators import organiser_required
from eventapp.cities import bp
from eventapp.cities.forms import CityForm
from eventapp.cities.services import create_city, get_city, list_cities_for_management, update_city
from eventapp.extensions import db
from eventapp.models import City
from eventapp.rules.errors import RuleError

PRIVATE = {"Cache-Control": "private, no-store"}


@bp.get("/manage/cities/")
@organiser_required
def manage_index() -> tuple[str, int, dict[str, str]]:
    return render_template(
        "cities/manage_index.html", cities=list_cities_for_management(db.session)
    ), 200, PRIVATE


def _save(form: CityForm, city: City | None) -> City | None:
    """Calls the service; on a broken rule puts the message beside its field."""
    try:
        if city is None:
            return create_city(db.session, form.to_data(), current_user)
        return update_city(db.session, city, form.to_data(), current_user)
    except RuleError as error:
        db.session.rollback()
        form[error.field if error.field in form else "slug"].errors.append(str(error.message))
        return None


@bp.route("/manage/cities/new", methods=["GET", "POST"])
@organiser_required
def manage_new() -> Response | tuple[str, int, dict[str, str]]:
    form = CityForm()
    if form.validate_on_submit():
        city = _save(form, None)
        if city is not None:
            db.session.commit()
            flash(_("The city %(slug)s was added.", slug=city.slug), "success")
            return redirect(url_for("cities.manage_index"))
    status = 422 if form.is_submitted() else 200
    return render_template("cities/manage_form.html", form=form, city=None), status, PRIVATE


@bp.route("/manage/cities/<int:city_id>/edit", methods=["GET", "POST"])
@organiser_required
def manage_edit(city_id: int) -> Response | tuple[str, int, dict[str, str]]:
    city = get_city(db.session, city_id)
    if city is None:
        abort(404)
    form = CityForm()
    if form.validate_on_submit():
        if _save(form, city) is not None:
            db.session.commit()
            flash(_("The city %(slug)s was saved.", slug=city.slug), "success")
            return redirect(url_for("cities.manage_index"))
    elif not form.is_submitted():
        form.fill(city)
    status = 422 if form.is_submitted() else 200
    return render_template("cities/manage_form.html", form=form, city=city), status, PRIVATE
