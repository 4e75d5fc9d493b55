"""The registration form as people read it (issue #9, item 5): required marks, no preselected
participant type, "full, waiting list", family name first in Chinese, both zones."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from eventapp.models import Registration, SessionKind
from eventapp.registrations import organiser
from tests.factories import make_session
from tests.registrations.support import open_event, post_registration, sign_up


class FormReader(HTMLParser):
    """Collects form controls, their labels and legends from one page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str | None]] = {}
        self.order: list[str] = []
        self.labels: dict[str, str] = {}
        self.legends: list[str] = []
        self.options: dict[str, list[tuple[str, bool, str]]] = {}
        self._label_for: str | None = None
        self._in_legend = False
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("input", "select", "textarea") and values.get("type") != "hidden" and values.get("id"):
            self.controls[values["id"]] = values
            self.order.append(values["id"])
            if tag == "select":
                self._select = values["id"]
                self.options[values["id"]] = []
        elif tag == "option" and self._select:
            self._option = (values.get("value") or "", "selected" in values)
            self._text = []
        elif tag == "label":
            self._label_for = values.get("for")
            self._text = []
        elif tag == "legend":
            self._in_legend = True
            self._text = []
        if self._label_for or self._in_legend:
            self._text.append(f"<{tag}{''.join(f' {k}={v}' for k, v in attrs)}>")

    def handle_endtag(self, tag: str) -> None:
        if self._label_for or self._in_legend:
            self._text.append(f"</{tag}>")
        if tag == "label" and self._label_for:
            self.labels[self._label_for] = "".join(self._text)
            self._label_for = None
        elif tag == "legend":
            self.legends.append("".join(self._text))
            self._in_legend = False
        elif tag == "option" and self._option and self._select:
            self.options[self._select].append((*self._option, "".join(self._text).strip()))
            self._option = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def read_form(body: str) -> FormReader:
    reader = FormReader()
    reader.feed(body)
    return reader


MARK = '<span class=required><span aria-hidden=true>*</span><span class=visually-hidden> required</span></span>'


def _marked(html: str) -> bool:
    return MARK in html


def test_every_required_field_and_only_those_carry_the_mark(session, client):
    event = open_event(session)
    session.commit()

    form = read_form(client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True))

    required = {key for key, attrs in form.controls.items()
                if "required" in attrs and attrs.get("type") != "radio"}
    marked = {key for key, html in form.labels.items() if _marked(html)}
    assert required == marked == {"first_name", "last_name", "email", "participant_type", "city_id",
                                  "preferred_language", "consent_privacy"}
    assert [legend for legend in form.legends if _marked(legend)] == [f"<legend>I will attend {MARK}</legend>"]


@pytest.mark.parametrize("language", ["de", "en", "zh"])
def test_participant_type_is_not_preselected_and_other_reads_other(session, client, language):
    event = open_event(session)
    session.commit()

    form = read_form(client.get(f"/events/{event.slug}/register?lang={language}").get_data(as_text=True))

    options = form.options["participant_type"]
    expected_other = {"de": "Sonstige", "en": "Other", "zh": "其他"}[language]
    assert (options[0][0], [value for value, selected, _ in options if selected]) == ("", [])
    assert [text for value, _, text in options if value == "other"] == [expected_other]


def test_missing_participant_type_is_a_clear_error_and_registers_nobody(session, client):
    event = open_event(session)
    session.commit()

    client.get(f"/events/{event.slug}/register?lang=en")  # the language is remembered
    response = post_registration(client, event, participant_type="")
    body = response.get_data(as_text=True)

    assert (response.status_code, session.scalar(select(func.count()).select_from(Registration))) == (422, 0)
    assert re.search(r'<p class="error" id="participant_type-error">([^<]*)</p>', body).group(1) == (
        "Please choose whom you are taking part for.")
    assert 'aria-describedby="participant_type-error"' in body


@pytest.mark.parametrize(("language", "first"), [("zh", "last_name"), ("en", "first_name"), ("de", "first_name")])
def test_chinese_form_asks_the_family_name_first(session, client, language, first):
    event = open_event(session)
    session.commit()

    form = read_form(client.get(f"/events/{event.slug}/register?lang={language}").get_data(as_text=True))

    names = [key for key in form.order if key in ("first_name", "last_name")]
    assert names[0] == first


def test_chinese_name_reads_family_name_first_on_the_participant_page(session, client):
    event = open_event(session)
    result = sign_up(session, event, first_name="伟", last_name="李")
    session.commit()

    body = client.get(f"/registrations/{result.token}/?lang=zh").get_data(as_text=True)

    assert "<dd>李伟</dd>" in body


@pytest.mark.parametrize(("has_waiting_list", "expected"), [(True, "full, waiting list"), (False, "full")])
def test_a_full_mode_says_full_never_zero_places(session, client, has_waiting_list, expected):
    event = open_event(session, capacity_onsite=1, has_waiting_list=has_waiting_list)
    sign_up(session, event, "first@example.org")
    session.commit()

    body = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)
    listing = client.get("/events/?lang=en").get_data(as_text=True)

    onsite = re.search(r'<li data-mode="onsite">(.*?)</li>', body, re.S).group(1)
    assert (re.sub(r"<[^>]+>", "", onsite), re.search(r"\b0 places? left", body)) == (f"On site: {expected}", None)
    assert (f"On site: {expected}<" in listing, re.search(r"\b0 seats? left", listing)) == (True, None)


def test_limited_session_list_shows_both_zones_and_full_waiting_list(session, client):
    event = open_event(session)
    visit = make_session(session, event, kind=SessionKind.SITE_VISIT, capacity=1)
    sign_up(session, event, "first@example.org", session_ids=[visit.id])
    session.commit()

    body = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)

    help_text = re.sub(r"<[^>]+>", "", re.search(r'<label for="session_ids-0">.*?<span class="help">(.*?)</span>\s*</div>',
                                                 body, re.S).group(1))
    assert " ".join(help_text.split()) == (
        "Jan 14, 2027, 09:00–10:00 Berlin (UTC+1) / 16:00–17:00 Beijing (UTC+8) · full, waiting list")


def test_participant_page_shows_both_zones_for_sessions_and_check_in(session, client):
    from datetime import UTC, datetime

    event = open_event(session)
    visit = make_session(session, event, kind=SessionKind.SITE_VISIT, capacity=5)
    result = sign_up(session, event, session_ids=[visit.id])
    organiser.check_in(session, result.registration, now=datetime(2027, 1, 14, 7, 45, tzinfo=UTC))
    session.commit()

    body = client.get(f"/registrations/{result.token}/?lang=en").get_data(as_text=True)

    def text(fragment: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", "", fragment).split())

    sessions = re.search(r'<label for="session_ids-0">.*?<span class="help">(.*?)</span>\s*</div>', body, re.S)
    checked = re.search(r"<dt>Checked in</dt><dd>(.*?)</dd>", body, re.S)
    assert text(sessions.group(1)) == (
        "Jan 14, 2027, 09:00–10:00 Berlin (UTC+1) / 16:00–17:00 Beijing (UTC+8) · Confirmed")
    assert text(checked.group(1)) == "Jan 14, 2027, 08:45 Berlin (UTC+1) / 15:45 Beijing (UTC+8)"


def test_partner_zone_marks_the_next_day(session, client):
    from datetime import datetime

    event = open_event(session, ends_local=datetime(2027, 1, 14, 22, 0))
    late = make_session(session, event, kind=SessionKind.SITE_VISIT, capacity=5,
                        starts_local=datetime(2027, 1, 14, 18, 0), ends_local=datetime(2027, 1, 14, 19, 0))
    session.commit()

    body = client.get(f"/events/{event.slug}/register?lang=en").get_data(as_text=True)

    assert late.id and re.search(
        r'data-zone="Asia/Shanghai">01:00–02:00 <abbr title="Asia/Shanghai">Beijing</abbr> \(UTC\+8\)'
        r' <span class="day-shift" title="next day">\+1</span>', body) is not None
