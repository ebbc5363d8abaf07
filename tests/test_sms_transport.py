"""SMS alerts through SMSC.kz [R10.1] (core/sms.py), against the stand-in gateway over real HTTP.

A message arrives as written, Kazakh letters included; a number the gateway refuses for
good raises SmsRefused; what a retry may cure (rate limit, HTTP 500, the gateway down or
silent, a wrong password) raises SmsError, whose text never holds the login or the
password. Then how many parts a text takes, and which typed numbers are mobiles.
"""
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import sms
from tests.helpers import shown
from tests.sms_gateway import sms_gateway  # noqa: F401 (fixture)

PHONE = "+77011234567"
KAZAKH = "Шағым тіркелді № 75-2026-000123: ә ғ қ ң ө ұ ү һ і, Алматы қ. — «Ақжол»"


@pytest.fixture(autouse=True)
def _isolation():
    """Only HTTP here: override conftest's per-test transaction, so no database starts."""
    yield


def send(gateway, phone=PHONE, text="Test alert", **kwargs):
    return sms.send(gateway.url, gateway.login, gateway.password, phone, text, **kwargs)


# --- Delivery ------------------------------------------------------------------------------

def test_kazakh_text_arrives_intact_and_the_gateway_id_comes_back(sms_gateway):
    message_id = send(sms_gateway, text=KAZAKH, sender="Ombudsman")
    [received] = sms_gateway.wait_for(1)
    assert (received.phone, received.text, received.sender) == (PHONE, KAZAKH, "Ombudsman")
    assert message_id == str(received.id)


def test_the_password_goes_in_a_post_body_not_in_a_url(sms_gateway):
    send(sms_gateway)
    [received] = sms_gateway.wait_for(1)
    assert received.method == "POST"
    assert received.sender is None  # no sender given: the account's default name


# --- Refused for good ----------------------------------------------------------------------

def test_a_number_that_cannot_be_reached_is_refused(sms_gateway):
    sms_gateway.refuse.add(PHONE)
    with pytest.raises(sms.SmsRefused, match="error 8"):
        send(sms_gateway)
    assert sms_gateway.messages == []


def test_a_malformed_number_is_refused(sms_gateway):
    with pytest.raises(sms.SmsRefused, match="error 7"):
        send(sms_gateway, phone="+7701")


# --- Temporary: the outbox retries ---------------------------------------------------------

def test_rate_limit_is_temporary(sms_gateway):
    sms_gateway.rate_limit_next(1)
    with pytest.raises(sms.SmsError, match="error 9") as raised:
        send(sms_gateway)
    assert not isinstance(raised.value, sms.SmsRefused)
    assert send(sms_gateway)
    assert len(sms_gateway.wait_for(1)) == 1


def test_a_server_error_is_temporary(sms_gateway):
    sms_gateway.fail_next(1)
    with pytest.raises(sms.SmsError, match="HTTP 500") as raised:
        send(sms_gateway)
    assert not isinstance(raised.value, sms.SmsRefused)
    send(sms_gateway)
    assert len(sms_gateway.wait_for(1)) == 1


def test_gateway_down_is_temporary_and_sending_works_once_it_is_back(sms_gateway):
    sms_gateway.stop()
    with pytest.raises(sms.SmsError, match="could not be reached") as raised:
        send(sms_gateway, text=KAZAKH)
    assert not isinstance(raised.value, sms.SmsRefused)
    assert sms_gateway.password not in shown(raised) and sms_gateway.login not in shown(raised)
    sms_gateway.start()
    send(sms_gateway, text=KAZAKH)
    assert [m.text for m in sms_gateway.wait_for(1)] == [KAZAKH]


def test_wrong_credentials_are_temporary_and_never_shown(sms_gateway):
    with pytest.raises(sms.SmsError, match="error 2") as raised:
        sms.send(sms_gateway.url, sms_gateway.login, "wrong-Psw-42", PHONE, "Test")
    assert not isinstance(raised.value, sms.SmsRefused)
    assert "wrong-Psw-42" not in shown(raised) and sms_gateway.login not in shown(raised)


def test_a_gateway_that_never_answers_times_out():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never accepts
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/sys/send.php"
        with pytest.raises(sms.SmsError, match="timed out"):
            sms.send(url, "login", "psw", PHONE, "Test", timeout=0.3)


class _OldFormat(BaseHTTPRequestHandler):
    """Answers as SMSC does without fmt=3, in its plain text format."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK - 1 SMS, ID - 5001")

    def log_message(self, format, *args):
        pass


def test_an_answer_that_is_not_json_is_temporary():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OldFormat)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sys/send.php"
        with pytest.raises(sms.SmsError, match="other than JSON") as raised:
            sms.send(url, "login", "psw", PHONE, "Test")
        assert not isinstance(raised.value, sms.SmsRefused)
    finally:
        server.shutdown()
        server.server_close()


def test_a_wrong_path_is_temporary(sms_gateway):
    with pytest.raises(sms.SmsError, match="HTTP 404"):
        sms.send(sms_gateway.url.replace("send.php", "sned.php"), sms_gateway.login,
                 sms_gateway.password, PHONE, "Test")


# --- Segments ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, parts", [
    ("", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),  # 2 × 153
    ("a" * 307, 3),
    ("@£$¥Δ_" * 26 + "èé", 1),  # GSM 03.38's own letters are one septet each: 158
    ("€" * 80, 1),  # extension characters are two septets: 160
    ("€" * 80 + "a", 2),  # 161
    ("{}[]" * 20, 1),  # 160
    ("{}[]" * 20 + "a", 2),
    ("a" * 152 + "€" * 77, 3),  # 306 septets, but an escape pair is never split: 152 | 152 | 2
    ("б" * 70, 1),  # Cyrillic is UCS-2
    ("б" * 71, 2),
    ("б" * 134, 2),  # 2 × 67
    ("б" * 135, 3),
    ("әғқңөұүһі" * 7 + "ә" * 7, 1),  # Kazakh letters: 70
    ("әғқңөұүһі" * 7 + "ә" * 8, 2),  # 71
    ("a" * 69 + "і", 1),  # one Kazakh letter makes the whole text UCS-2: 70
    ("a" * 70 + "і", 2),  # 71 UCS-2 units, although "a" * 71 would be one GSM part
    ("😀" * 35, 1),  # an emoji is two UCS-2 units: 70
    ("б" * 69 + "😀", 2),  # 71
    ("б" * 66 + "😀" * 34, 3),  # 134 units, but a surrogate pair is never split: 66 | 66 | 2
])
def test_segments(text, parts):
    assert sms.segments(text) == parts


# --- Phone numbers -------------------------------------------------------------------------

@pytest.mark.parametrize("typed, e164", [
    ("8 701 123 45 67", "+77011234567"),  # Kcell, as dialled at home
    ("+7 (701) 123-45-67", "+77011234567"),
    ("87011234567", "+77011234567"),
    ("7011234567", "+77011234567"),  # without the trunk prefix
    ("  +77011234567 ", "+77011234567"),
    ("8-778-555-12-34", "+77785551234"),  # Kcell (Activ)
    ("+7 777 765 43 21", "+77777654321"),  # Beeline
    ("8 (705) 000-11-22", "+77050001122"),  # Beeline
    ("8 707 123 45 67", "+77071234567"),  # Tele2
    ("+7 747 1234567", "+77471234567"),  # Tele2
])
def test_normalize_phone_mobiles(typed, e164):
    assert sms.normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", [
    "8 727 258 33 44",  # an Almaty landline
    "+7 (7172) 55-66-77",  # an Astana landline
    "+7 916 123 45 67",  # a Russian mobile: +7 too, but not Kazakhstan
    "8 701 123 45 6",  # a digit short
    "8 701 123 45 678",  # a digit too many
    "8 701 CALLME1",  # letters: libphonenumber would read them as a keypad word
    "hello",
    "123",
    "",
    None,
])
def test_normalize_phone_rejects(typed):
    assert sms.normalize_phone(typed) is None
