"""The Telegram bot's webhook [R10.1]: Telegram posts each message sent to the bot here.

Set with ``flask telegram set-webhook``; Telegram then sends the secret given there in the
``X-Telegram-Bot-Api-Secret-Token`` header of every call, and a call without it is refused.
Without a webhook, ``flask telegram poll`` reads the same updates by ``getUpdates``.
"""
import hmac

from flask import abort, current_app, jsonify, request

from auth import bp
from core.telegram import WEBHOOK_SECRET_HEADER
from extensions import csrf, db
from services import alert_channels


@bp.route("/telegram/webhook", methods=["POST"])
@csrf.exempt  # Telegram cannot send our token; the shared secret header stands for it
def telegram_webhook():
    secret = current_app.config.get("TELEGRAM_WEBHOOK_SECRET")
    if not secret or not current_app.config.get("TELEGRAM_BOT_TOKEN"):
        abort(404)
    if not hmac.compare_digest(request.headers.get(WEBHOOK_SECRET_HEADER, ""), secret):
        abort(403)
    alert_channels.handle_update(request.get_json(silent=True) or {})
    db.session.commit()
    return jsonify(ok=True)
