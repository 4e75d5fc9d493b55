"""Organiser messages: plain text becomes HTML with paragraphs and links, nothing else."""
from eventapp.registrations.mails import queue_organiser_message
from tests.outbox.smtp import html_body
from tests.registrations.mail_support import deliver, last_id, text_body
from tests.registrations.support import open_event, sign_up

MESSAGE = (
    "Dear all,\r\n\r\nthe bus leaves at 8:00.\r\nDetails: https://isa.example.org/bus?day=1&seat=2.\r\n"
    "\r\n\r\n<script>alert('x')</script> (see https://example.org/a_(b))\r\n"
    "详见https://isa.example.org/zh。谢谢"
)


def test_organiser_message_keeps_paragraphs_and_links_and_escapes_the_rest(session, smtp_server):
    event = open_event(session)
    person = sign_up(session, event, "a@example.org", preferred_language="en")
    before = last_id(session)
    queue_organiser_message(session, person.registration, "Bus", MESSAGE)
    [message] = deliver(session, smtp_server, before)
    html = html_body(message).replace("\r\n", "\n")
    assert (
        '<p>Dear all,</p>\n<p>the bus leaves at 8:00.<br>\nDetails: '
        '<a href="https://isa.example.org/bus?day=1&amp;seat=2" rel="noopener noreferrer">'
        'https://isa.example.org/bus?day=1&amp;seat=2</a>.</p>\n'
        "<p>&lt;script&gt;alert('x')&lt;/script&gt; (see "
        '<a href="https://example.org/a_(b)" rel="noopener noreferrer">https://example.org/a_(b)</a>)<br>\n'
        '详见<a href="https://isa.example.org/zh" rel="noopener noreferrer">https://isa.example.org/zh</a>。谢谢</p>'
    ) in html
    assert "<script>" not in html
    assert MESSAGE.replace("\r\n", "\n") in text_body(message)


def test_organiser_message_turns_no_other_scheme_into_a_link(session):
    event = open_event(session)
    person = sign_up(session, event, "a@example.org")
    mail = queue_organiser_message(session, person.registration, "x",
                                   'javascript:alert(1) <a href="javascript:x">y</a> ftp://x.org http://')
    message = mail.body_html.split("<h2>")[0]
    assert "<a " not in message
    assert '&lt;a href="javascript:x"&gt;y&lt;/a&gt; ftp://x.org http://' in mail.body_html


