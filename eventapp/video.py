"""Video platforms recognised from a join link's host."""
from __future__ import annotations

from urllib.parse import urlsplit

from eventapp.models.enums import VideoPlatform

# Host suffixes per platform; the first match wins.
_PLATFORM_HOSTS: tuple[tuple[VideoPlatform, tuple[str, ...]], ...] = (
    (VideoPlatform.ZOOM, ("zoom.us", "zoom.com", "zoomgov.com", "zoom.com.cn")),
    (VideoPlatform.TEAMS, ("teams.microsoft.com", "teams.live.com")),
    (VideoPlatform.WEBEX, ("webex.com", "webex.com.cn")),
    (VideoPlatform.JITSI, ("meet.jit.si", "8x8.vc")),
    (VideoPlatform.TENCENT, ("meeting.tencent.com", "voovmeeting.com")),
    (VideoPlatform.DINGTALK, ("dingtalk.com",)),
    (VideoPlatform.FEISHU, ("feishu.cn", "larksuite.com", "larkoffice.com")),
)


def detect_platform(url: str) -> VideoPlatform:
    """The platform a join link belongs to; "other" for any other https link."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for platform, suffixes in _PLATFORM_HOSTS:
        if any(host == suffix or host.endswith("." + suffix) for suffix in suffixes):
            return platform
    # Self-hosted BigBlueButton and Jitsi live on the operator's own domain.
    if host.startswith("bbb.") or "bigbluebutton" in host:
        return VideoPlatform.BIGBLUEBUTTON
    if "jitsi" in host:
        return VideoPlatform.JITSI
    return VideoPlatform.OTHER
