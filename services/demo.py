"""Demo data for a newcomer's machine (never in production). Idempotent."""
from extensions import db
from services.passwords import hash_password
from services.users import create_user, find_by_email

DEMO_PASSWORD = "demo-password-123"

DEMO_USERS = (
    ("superadmin@demo.kz", "superadmin", None, "Demo Superadmin"),
    ("commissioner@demo.kz", "commissioner", None, "Demo Commissioner's office"),
    ("committee@demo.kz", "committee", None, "Demo Committee"),
    ("akimat.75@demo.kz", "akimat_admin", "75", "Demo Akimat of Almaty"),
    ("ombudsman.75@demo.kz", "ombudsman", "75", "Demo Ombudsman of Almaty"),
    ("akimat.71@demo.kz", "akimat_admin", "71", "Demo Akimat of Astana"),
    ("ombudsman.71@demo.kz", "ombudsman", "71", "Demo Ombudsman of Astana"),
)


def seed_demo():
    """Create the demo users (or reset their password); return the demo logins."""
    for email, role, region, name in DEMO_USERS:
        user = find_by_email(email)
        if user is None:
            create_user(email, role, DEMO_PASSWORD, region_code=region, name=name)
        else:
            user.password_hash = hash_password(DEMO_PASSWORD)
            user.is_enabled = True
    db.session.flush()
    return [email for email, *_ in DEMO_USERS]
