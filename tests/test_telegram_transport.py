"""Telegram alerts [R10.1] (core/telegram.py), against the stand-in Bot API over real HTTP.

A message to a chat that wrote to the bot arrives as written, without a link preview; a
chat Telegram will not deliver to (unknown, bot blocked) raises TelegramRefused; what a
retry may cure (flood control, a 502, the API down or silent, a wrong token) raises
TelegramError; the bot token, which sits in every URL, is never in an error. Then the
updates that link a person's chat, and the webhook.
"""
import socket
import threading
import time

import pytest

from core import telegram
from tests.helpers import shown
from tests.telegram_server import telegram_api  # noqa: F401 (fixture)

CHAT = 424242
KAZAKH = "Шағым тіркелді № 75-2026-000123: ә ғ қ ң ө ұ ү һ і — https://example.kz/cases/123"


@pytest.fixture(autouse=True)
def _isolation():
    """Only HTTP here: override conftest's per-test transaction, so no database starts."""
    yield


@pytest.fixture
def api(telegram_api):
    """The stand-in, with CHAT known: its person has written to the bot."""
    telegram_api.user_writes(CHAT, "/start", username="aigerim_k")
    return telegram_api


def send(api, chat_id=CHAT, text="Test alert", token=None):
    return telegram.send_message(api.url, token or api.token, chat_id, text)


# --- Delivery ------------------------------------------------------------------------------

def test_kazakh_text_arrives_intact_without_a_link_preview(api):
    message_id = send(api, text=KAZAKH)
    [sent] = api.wait_for(1)
    assert (sent.chat_id, sent.text) == (CHAT, KAZAKH)
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    assert message_id == str(sent.message_id)


def test_api_url_with_a_trailing_slash(api):
    telegram.send_message(api.url + "/", api.token, CHAT, "Test")
    assert len(api.wait_for(1)) == 1


# --- Refused for good ----------------------------------------------------------------------

def test_a_chat_that_never_wrote_to_the_bot_is_refused(api):
    with pytest.raises(telegram.TelegramRefused, match="chat not found"):
        send(api, chat_id=777)
    assert api.sent == []


def test_a_blocked_bot_is_refused(api):
    api.blocked.add(CHAT)
    with pytest.raises(telegram.TelegramRefused, match="blocked by the user"):
        send(api)


# --- Temporary: the outbox retries ---------------------------------------------------------

def test_flood_control_is_temporary_and_says_how_long_to_wait(api):
    api.rate_limit_next(1, retry_after=7)
    with pytest.raises(telegram.TelegramError, match="retry after 7") as raised:
        send(api)
    assert not isinstance(raised.value, telegram.TelegramRefused)
    assert raised.value.retry_after == 7
    send(api)
    assert len(api.wait_for(1)) == 1


def test_a_bad_gateway_is_temporary(api):
    api.fail_next(1)
    with pytest.raises(telegram.TelegramError, match="HTTP 502") as raised:
        send(api)
    assert not isinstance(raised.value, telegram.TelegramRefused)
    send(api)
    assert len(api.wait_for(1)) == 1


def test_api_down_is_temporary_and_sending_works_once_it_is_back(api):
    api.stop()
    with pytest.raises(telegram.TelegramError, match="could not be reached") as raised:
        send(api, text=KAZAKH)
    assert not isinstance(raised.value, telegram.TelegramRefused)
    assert api.token not in shown(raised)
    api.start()
    send(api, text=KAZAKH)
    assert [m.text for m in api.wait_for(1)] == [KAZAKH]


def test_an_api_that_never_answers_times_out():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never accepts
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(telegram.TelegramError, match="timed out") as raised:
            telegram.send_message(url, "123456:TEST-token", CHAT, "Test", timeout=0.3)
    assert "TEST-token" not in shown(raised)


# --- The token is never shown --------------------------------------------------------------

def test_a_wrong_token_is_temporary_and_never_shown(api):
    with pytest.raises(telegram.TelegramError, match="401") as raised:
        send(api, token="654321:Wrong-token")
    assert not isinstance(raised.value, telegram.TelegramRefused)
    assert "Wrong-token" not in shown(raised)


@pytest.mark.parametrize("bad", [
    "api url without a scheme",  # urllib's ValueError quotes the whole URL
    "token pasted with a space",  # http.client's InvalidURL quotes the whole URL
])
def test_the_token_is_scrubbed_from_errors_that_quote_the_url(api, bad):
    url, token = api.url, api.token
    if bad.startswith("api url"):
        url = "api.telegram.org"
    else:
        token = token.replace("-", " ")
    with pytest.raises(telegram.TelegramError, match="<token>") as raised:
        telegram.send_message(url, token, CHAT, "Test")
    assert token not in shown(raised)


# --- Updates and webhook -------------------------------------------------------------------

def test_get_updates_gives_who_wrote_and_offset_confirms_them(telegram_api):
    telegram_api.user_writes(CHAT, "/start", username="aigerim_k")
    telegram_api.user_writes(5151, "Сәлем", first_name="Нұрлан")
    first, second = telegram.get_updates(telegram_api.url, telegram_api.token)
    assert first["message"]["chat"]["id"] == CHAT
    assert first["message"]["from"]["username"] == "aigerim_k"
    assert second["message"]["text"] == "Сәлем"
    assert second["update_id"] == first["update_id"] + 1
    assert telegram_api.calls[-1][1]["allowed_updates"] == ["message"]

    assert telegram.get_updates(telegram_api.url, telegram_api.token,
                                first["update_id"] + 1) == [second]
    assert telegram.get_updates(telegram_api.url, telegram_api.token, second["update_id"] + 1) == []
    assert telegram.get_updates(telegram_api.url, telegram_api.token) == []  # confirmed: gone


def test_get_updates_long_polls_until_someone_writes(telegram_api):
    threading.Timer(0.3, telegram_api.user_writes, (CHAT, "/start")).start()
    started = time.monotonic()
    [update] = telegram.get_updates(telegram_api.url, telegram_api.token, timeout=5)
    assert update["message"]["text"] == "/start"
    assert time.monotonic() - started < 4


def test_set_webhook(telegram_api):
    assert telegram.WEBHOOK_SECRET_HEADER == "X-Telegram-Bot-Api-Secret-Token"
    telegram.set_webhook(telegram_api.url, telegram_api.token,
                         "https://ombudsman.example.kz/telegram/webhook", "s3cret_Token-1")
    assert telegram_api.webhook == {"url": "https://ombudsman.example.kz/telegram/webhook",
                                    "secret_token": "s3cret_Token-1"}
    with pytest.raises(telegram.TelegramError, match="409") as raised:  # no polling meanwhile
        telegram.get_updates(telegram_api.url, telegram_api.token)
    assert not isinstance(raised.value, telegram.TelegramRefused)


def test_set_webhook_refuses_a_bad_secret(telegram_api):
    with pytest.raises(telegram.TelegramRefused, match="secret token"):
        telegram.set_webhook(telegram_api.url, telegram_api.token,
                             "https://ombudsman.example.kz/telegram/webhook", "not allowed!")
    assert telegram_api.webhook is None
