import pytest

from eventapp.models import VideoPlatform
from eventapp.rules import validation
from eventapp.rules.errors import RuleError
from eventapp.video import detect_platform


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://zoom.us/j/123456789?pwd=abc", VideoPlatform.ZOOM),
        ("https://us02web.zoom.us/j/123", VideoPlatform.ZOOM),
        ("https://zoom.com.cn/j/123", VideoPlatform.ZOOM),
        ("https://teams.microsoft.com/l/meetup-join/19%3ameeting", VideoPlatform.TEAMS),
        ("https://teams.live.com/meet/123", VideoPlatform.TEAMS),
        ("https://isa.webex.com/meet/office", VideoPlatform.WEBEX),
        ("https://meet.jit.si/isa-forum", VideoPlatform.JITSI),
        ("https://jitsi.stadt-example.de/raum", VideoPlatform.JITSI),
        ("https://bbb.uni-example.de/b/abc-123", VideoPlatform.BIGBLUEBUTTON),
        ("https://bigbluebutton.example.org/rooms/x", VideoPlatform.BIGBLUEBUTTON),
        ("https://meeting.tencent.com/dm/abc", VideoPlatform.TENCENT),
        ("https://voovmeeting.com/dm/abc", VideoPlatform.TENCENT),
        ("https://meeting.dingtalk.com/j/abc", VideoPlatform.DINGTALK),
        ("https://vc.feishu.cn/j/123", VideoPlatform.FEISHU),
        ("https://vc.larksuite.com/j/123", VideoPlatform.FEISHU),
        ("https://video.example.org/room/1", VideoPlatform.OTHER),
        ("https://notzoom.us.example.org/j/1", VideoPlatform.OTHER),
    ],
)
def test_detect_platform_recognises_each_provider(url, platform):
    assert detect_platform(url) == platform


@pytest.mark.parametrize("url", ["http://zoom.us/j/1", "javascript:alert(1)", "zoom.us/j/1", "https://", "ftp://x.org"])
def test_check_https_url_refuses_anything_but_https(url):
    with pytest.raises(RuleError) as caught:
        validation.check_https_url(url, "url")
    assert caught.value.field == "url"


def test_check_https_url_accepts_https():
    assert validation.check_https_url("https://meeting.tencent.com/dm/1", "url") is None
