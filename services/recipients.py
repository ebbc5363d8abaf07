"""Who receives which alert: the national offices and the akimat of a region.

Each list is of ``Contact``s (e-mail, mobile, Telegram chat, preferred
channel), or plain e-mail addresses for the configured offices, read in one query (staff
accounts and directory organizations together): alerts are queued on the public form's
path, where every round trip counts.
"""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, or_, select, union_all

from core.sms import normalize_phone
from extensions import db
from models import Organization, User


@dataclass(frozen=True)
class Contact:
    """Where a staff member or an organization receives alerts."""

    email: str | None = None
    phone: str | None = None
    telegram: str | None = None
    prefers: str = "email"

    def addresses(self, every_channel=False):
        """(channel, address) pairs this alert goes to, among the configured channels."""
        have = {channel: address for channel, address in (
            ("email", self.email), ("sms", normalize_phone(self.phone) if self.phone else None),
            ("telegram", self.telegram)) if address and channel_on(channel)}
        if every_channel:
            return list(have.items())
        channel = self.prefers if self.prefers in have else "email"
        return [(channel, have[channel])] if channel in have else []


def channel_on(channel):
    """E-mail always (logged when no server is set); SMS and Telegram once configured."""
    config = current_app.config
    return {"email": True, "sms": bool(config.get("SMS_URL")),
            "telegram": bool(config.get("TELEGRAM_BOT_TOKEN"))}[channel]


def _users(*who):
    """Enabled staff accounts matching any of ``who``."""
    return select(User.email, User.phone, User.telegram_chat_id, User.alert_channel).where(
        User.is_enabled.is_(True), or_(*who))


def _organizations(region_code, types):
    """The region's active directory organizations of these types that have an address [R7]."""
    return select(Organization.email, Organization.phone, Organization.telegram_chat_id,
                  Organization.alert_channel).where(
        Organization.region_code == region_code, Organization.type.in_(types),
        Organization.is_active.is_(True),
        or_(Organization.email.is_not(None), Organization.phone.is_not(None),
            Organization.telegram_chat_id.is_not(None)))


def _contacts(*queries):
    """The contacts the queries find (one row each: e-mail, phone, chat, preference)."""
    query = queries[0] if len(queries) == 1 else union_all(*queries)
    return [Contact(*row) for row in db.session.execute(query)]


def _in_region(role, region_code):
    return and_(User.role == role, User.region_code == region_code)


def commissioner_office():
    """The Commissioner's office: its official address and its enabled users [R4], [R10.1]."""
    return [current_app.config["COMMISSIONER_EMAIL"], *_contacts(_users(User.role == "commissioner"))]


def akimat(region_code):
    """The akimat administrators of a region."""
    return _contacts(_users(_in_region("akimat_admin", region_code)))


def organizations(region_code, types):
    """The region's active directory organizations of these types [R7]."""
    return _contacts(_organizations(region_code, types))


def national_and_akim(region_code):
    """[R10.1] the Commissioner, the Committee and the akim of the region."""
    config = current_app.config
    return [config["COMMISSIONER_EMAIL"], config["COMMITTEE_EMAIL"],
            *_contacts(_users(User.role.in_(("commissioner", "committee")),
                            _in_region("akimat_admin", region_code)),
                     _organizations(region_code, ("akimat",)))]


def ombudsman(region_code):
    """The regional ombudsman's own account(s)."""
    return _contacts(_users(_in_region("ombudsman", region_code)))


def region_staff(region_code):
    """The region's ombudsman and akimat administrators."""
    return ombudsman(region_code) + akimat(region_code)
