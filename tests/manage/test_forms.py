from werkzeug.datastructures import MultiDict

from eventapp.manage.forms import EventForm

VALID = {
    "slug": "isa-forum-2028", "main_language": "en", "title_en": "ISA Forum", "kind": "conference",
    "format": "hybrid", "timezone": "Asia/Shanghai", "starts_local": "2028-03-02T09:00",
    "ends_local": "2028-03-02T17:00", "host_city": "",
}


def form(app, **overrides):
    values = MultiDict({**VALID, **overrides})
    with app.test_request_context("/?lang=en", method="POST", data=values):
        event_form = EventForm(meta={"csrf": False}).setup([(7, "Foshan")])
        event_form.validate()
        return event_form, {name: list(errors) for name, errors in event_form.errors.items()}


def test_event_form_accepts_minimal_input(app):
    event_form, errors = form(app)

    data = event_form.to_data(None)
    assert (errors, data.title, data.summary, data.timezone, data.capacity_onsite) == (
        {}, {"en": "ISA Forum"}, {}, "Asia/Shanghai", None
    )


def test_event_form_wants_title_in_main_language(app):
    _form, errors = form(app, title_en="", title_de="Forum")

    assert errors == {"title_en": ["A text in the main language is required."]}


def test_event_form_refuses_overlong_room_name(app):
    _form, errors = form(app, rooms="Saal 1\n" + "x" * 121)

    assert list(errors) == ["rooms"]


def test_event_form_refuses_unknown_city(app):
    _form, errors = form(app, host_city="99")

    assert errors == {"host_city": ["Not a valid choice."]}
