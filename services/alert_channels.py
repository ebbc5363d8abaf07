"""A staff member's alert channels [R10.1]: a mobile number for SMS, a Telegram chat, and the
channel they prefer for ordinary alerts (an urgent one goes by every channel they have).

A Telegram chat is linked by a one-time code: the account page shows it, the staff member
sends it to the bot, and the bot's update (through the webhook or ``flask telegram poll``)
names the chat. Only the code's hash is kept, until it expires; a code works once.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import InvalidInput
from core.formats import N_, bilingual
from core.sms import normalize_phone
from extensions import db
from models import User
from models.base import utcnow
from services import audit, notifications

CODE_DIGITS = 8


def set_contacts(user, phone, channel):
    """Record the user's mobile number and preferred channel; refuse one they cannot get."""
    mobile = normalize_phone(phone) if (phone or "").strip() else None
    if (phone or "").strip() and mobile is None:
        raise InvalidInput(_l("Enter a Kazakhstan mobile number, for example +7 701 123 45 67."))
    if channel == "sms" and mobile is None:
        raise InvalidInput(_l("Enter your mobile number to get alerts by SMS."))
    if channel == "telegram" and not user.telegram_chat_id:
        raise InvalidInput(_l("Link your Telegram first to get alerts there."))
    if channel not in ("email", "sms", "telegram"):
        raise InvalidInput(_l("Choose how you get alerts."))
    user.phone, user.alert_channel = mobile, channel
    audit.record("user.alert_channels", actor=user, obj=user, channel=channel, phone=bool(mobile))
    db.session.flush()


def new_telegram_code(user):
    """A fresh one-time code for linking the user's Telegram chat; only its hash is kept."""
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    user.telegram_code_hash = _code_hash(code)
    user.telegram_code_expires_at = utcnow() + timedelta(
        minutes=current_app.config["TELEGRAM_CODE_MINUTES"])
    audit.record("user.telegram_code", actor=user, obj=user)
    db.session.flush()
    return code


def unlink_telegram(user):
    user.telegram_chat_id = None
    if user.alert_channel == "telegram":
        user.alert_channel = "email"
    audit.record("user.telegram_unlinked", actor=user, obj=user)
    db.session.flush()


def handle_update(update):
    """One update from the bot: a message holding a valid code links its chat to the code's
    user, and the bot says so; any other message gets a short answer. Returns the user
    linked, or None."""
    message = update.get("message") if isinstance(update, dict) else None
    chat = message.get("chat") if isinstance(message, dict) else None
    if (not isinstance(chat, dict) or not isinstance(chat.get("id"), int)
            or chat.get("type", "private") != "private"):
        return None  # not a person writing to the bot: nothing to answer
    chat_id, code = str(chat["id"]), _code_in(message.get("text"))
    user = _holder_of(code) if code else None
    if user is None:
        _reply(chat_id, N_("Send the code shown on your account page of the ombudsman's system."))
        return None
    user.telegram_chat_id, user.telegram_code_hash, user.telegram_code_expires_at = chat_id, None, None
    audit.record("user.telegram_linked", obj=user)
    _reply(chat_id, N_("Done: alerts of the children's ombudsman's system will come to this chat."))
    db.session.flush()
    return user


def _code_in(text):
    """The code in "12345678" or "/start 12345678" (a deep link), else None."""
    words = str(text or "").split()
    if words and words[0] == "/start":
        words = words[1:]
    word = words[0] if len(words) == 1 else ""
    return word if len(word) == CODE_DIGITS and word.isascii() and word.isdigit() else None


def _holder_of(code):
    return db.session.scalar(select(User).where(
        User.telegram_code_hash == _code_hash(code), User.telegram_code_expires_at > utcnow(),
        User.is_enabled.is_(True)))


def _code_hash(code):
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, b"telegram-code " + code.encode("ascii"), hashlib.sha256).hexdigest()


def _reply(chat_id, text):
    notifications.queue_message("telegram", chat_id, bilingual(text), topic="telegram.link")
