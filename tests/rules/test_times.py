from datetime import UTC, datetime

import pytest

from eventapp.rules.errors import RuleError
from eventapp.rules.times import local_to_utc, partner_zones, utc_to_local, zoned


def test_local_to_utc_berlin_winter_is_utc_plus_one():
    assert local_to_utc(datetime(2027, 1, 14, 9, 0), "Europe/Berlin") == datetime(
        2027, 1, 14, 8, 0, tzinfo=UTC
    )


def test_local_to_utc_berlin_summer_is_utc_plus_two():
    assert local_to_utc(datetime(2027, 6, 17, 9, 0), "Europe/Berlin") == datetime(
        2027, 6, 17, 7, 0, tzinfo=UTC
    )


def test_berlin_nine_is_beijing_sixteen_in_january():
    moment = local_to_utc(datetime(2027, 1, 14, 9, 0), "Europe/Berlin")
    assert utc_to_local(moment, "Asia/Shanghai").strftime("%H:%M") == "16:00"


def test_berlin_nine_is_beijing_fifteen_in_june():
    moment = local_to_utc(datetime(2027, 6, 17, 9, 0), "Europe/Berlin")
    assert utc_to_local(moment, "Asia/Shanghai").strftime("%H:%M") == "15:00"


def test_local_to_utc_refuses_spring_forward_hour():
    # 28 March 2027: Berlin clocks jump from 02:00 to 03:00.
    with pytest.raises(RuleError) as caught:
        local_to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Berlin")
    assert caught.value.field == "starts_at"
    assert "does not exist" in str(caught.value.message)


def test_local_to_utc_refuses_ambiguous_fall_back_hour():
    # 31 October 2027: Berlin clocks go back from 03:00 to 02:00.
    with pytest.raises(RuleError) as caught:
        local_to_utc(datetime(2027, 10, 31, 2, 30), "Europe/Berlin", field="ends_at")
    assert caught.value.field == "ends_at"
    assert "happens twice" in str(caught.value.message)


def test_local_to_utc_accepts_hours_next_to_the_change():
    assert local_to_utc(datetime(2027, 3, 28, 3, 0), "Europe/Berlin") == datetime(
        2027, 3, 28, 1, 0, tzinfo=UTC
    )
    assert local_to_utc(datetime(2027, 10, 31, 3, 0), "Europe/Berlin") == datetime(
        2027, 10, 31, 2, 0, tzinfo=UTC
    )


def test_local_to_utc_refuses_unknown_zone():
    with pytest.raises(RuleError) as caught:
        local_to_utc(datetime(2027, 1, 1, 9, 0), "Europe/Atlantis")
    assert caught.value.field == "timezone"


def test_local_to_utc_refuses_aware_input():
    with pytest.raises(RuleError):
        local_to_utc(datetime(2027, 1, 1, 9, 0, tzinfo=UTC), "Europe/Berlin")


def test_partner_zones_put_event_zone_first():
    assert partner_zones("Europe/Berlin") == ("Europe/Berlin", "Asia/Shanghai")
    assert partner_zones("Asia/Shanghai") == ("Asia/Shanghai", "Europe/Berlin")
    assert partner_zones("Europe/London") == ("Europe/London", "Europe/Berlin", "Asia/Shanghai")


def test_zoned_reports_next_day_in_beijing():
    moment = datetime(2027, 1, 14, 20, 0, tzinfo=UTC)  # 21:00 Berlin, 04:00 next day Beijing
    shown = zoned(moment, "Asia/Shanghai", reference_zone="Europe/Berlin")
    assert (shown.local.strftime("%H:%M"), shown.day_shift, shown.offset) == ("04:00", 1, "UTC+8")
