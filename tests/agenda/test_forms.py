from datetime import date, datetime

from werkzeug.datastructures import MultiDict

from eventapp.agenda.forms import OTHER_ROOM, MoveForm, SessionForm


def session_form(app, **values):
    data = {"title_de": "Vortrag", "kind": "talk", "day": "2027-01-14", "start": "23:00",
            "end": "00:30", "room": "", "spoken_language": "de", "join_visibility": "public"}
    data.update(values)
    with app.test_request_context(method="POST", data=data):
        form = SessionForm(formdata=MultiDict(data), meta={"csrf": False})
        form.setup([date(2027, 1, 14), date(2027, 1, 15)], ["Saal 1"], [])
        return form, form.validate()


def test_session_form_end_before_start_ends_next_day(app):
    form, is_valid = session_form(app)
    data = form.session_data([])
    assert (is_valid, data.starts_local, data.ends_local) == (
        True, datetime(2027, 1, 14, 23, 0), datetime(2027, 1, 15, 0, 30))


def test_session_form_other_room_needs_a_name(app):
    form, is_valid = session_form(app, room=OTHER_ROOM)
    assert (is_valid, [str(error) for error in form.room.errors]) == (
        False, ["Please type the other room below."])


def test_move_form_takes_the_typed_other_room(app):
    data = {"day": "2027-01-15", "start": "09:00", "room": OTHER_ROOM, "room_other": " Foyer  Ost "}
    with app.test_request_context(method="POST", data=data):
        form = MoveForm(formdata=MultiDict(data), meta={"csrf": False})
        form.setup_where([date(2027, 1, 14), date(2027, 1, 15)], ["Saal 1"])
        assert (form.validate(), form.starts_local, form.chosen_room) == (
            True, datetime(2027, 1, 15, 9, 0), "Foyer Ost")


def test_move_form_refuses_a_day_outside_the_event(app):
    data = {"day": "2027-02-01", "start": "09:00", "room": ""}
    with app.test_request_context(method="POST", data=data):
        form = MoveForm(formdata=MultiDict(data), meta={"csrf": False})
        form.setup_where([date(2027, 1, 14)], [])
        assert (form.validate(), "day" in form.errors) == (False, True)
