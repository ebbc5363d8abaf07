"""WTForms forms on Flask-WTF's CSRF-protected base."""
