"""What the partner API's tests share: organizations with tokens, and a valid case to send."""
import uuid
from datetime import timedelta

from extensions import db
from models import Organization
from services import api_tokens
from services.deadlines import now_local

CASE = {
    "region": "75", "channel": "line_111", "incoming_number": "111-2026-0042", "language": "ru",
    "kind": "appeal", "categories": ["violence"], "responsible": "parent_cohabiting",
    "description": "Звонок на линию 111: ребёнка бьют дома, соседи слышат крики.",
    "danger_now": False, "children": [{"age": 9, "sex": "boy"}],
}


def organization(region=None, kind="ngo", name="Линия 111"):
    """An organization of the directory: national (``region`` None) or of a region."""
    org = Organization(region_code=region, type=kind, name_kk=name, name_ru=name)
    db.session.add(org)
    db.session.flush()
    return org


def issue_token(actor, region_codes=("75",), scopes=("cases:create", "cases:read"), org_region=None,
                days=30, label=None, **options):
    """(ApiToken, secret) issued by ``actor`` through the service, committed."""
    org = organization(org_region)
    token, secret, _webhook_secret = api_tokens.issue(
        actor, org, label or f"Test token {uuid.uuid4().hex[:6]}", list(scopes), list(region_codes),
        now_local().date() + timedelta(days=days), **options)
    db.session.commit()
    return token, secret


def bearer(secret, language="en", key=None):
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": language}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def new_key():
    return str(uuid.uuid4())
