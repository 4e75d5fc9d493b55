from datetime import UTC, datetime

import pytest

from eventapp.rules import validation
from eventapp.rules.errors import RuleError

START = datetime(2027, 1, 14, 8, 0, tzinfo=UTC)
END = datetime(2027, 1, 14, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("slug", ["isa-forum", "fachtagung-2021", "abc"])
def test_check_slug_accepts_plain_slugs(slug):
    validation.check_slug(slug)


@pytest.mark.parametrize("slug", ["", "ab", "Isa-Forum", "isa--forum", "-isa", "isa forum", "佛山"])
def test_check_slug_refuses_other_text(slug):
    with pytest.raises(RuleError) as caught:
        validation.check_slug(slug)
    assert caught.value.field == "slug"


def test_check_order_refuses_end_before_start():
    with pytest.raises(RuleError) as caught:
        validation.check_order(END, START)
    assert str(caught.value.message) == "The end must be after the start."


def test_check_order_refuses_zero_length():
    with pytest.raises(RuleError):
        validation.check_order(START, START)


def test_check_within_event_refuses_session_after_event():
    with pytest.raises(RuleError) as caught:
        validation.check_within_event(END, END.replace(hour=17), START, END)
    assert caught.value.field == "starts_at"


def test_check_within_event_accepts_session_on_the_edges():
    validation.check_within_event(START, END, START, END)


def test_check_translations_requires_main_language_text():
    with pytest.raises(RuleError) as caught:
        validation.check_translations({"en": "Forum"}, "de", "title")
    assert caught.value.field == "title"


def test_check_translations_refuses_unknown_language():
    with pytest.raises(RuleError):
        validation.check_translations({"de": "Forum", "fr": "Forum"}, "de")


def test_check_https_url_refuses_plain_http():
    with pytest.raises(RuleError):
        validation.check_https_url("http://zoom.us/j/1")


def test_check_registration_window_refuses_closing_after_event():
    with pytest.raises(RuleError) as caught:
        validation.check_registration_window(START, END.replace(hour=18), END)
    assert caught.value.field == "registration_closes_at"
