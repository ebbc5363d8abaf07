"""Files sent to the browser, from the admin and the public site.

A staff download of a stored file is put on the audit log before it is sent, and the
log is committed first: a file read by a staff member is on record even if the transfer
then fails.
"""
from io import BytesIO

from flask import send_file

from extensions import db
from services import audit


def send_bytes(data, mimetype, name):
    """A response sending ``data`` as a file to save, named ``name``."""
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


def send_stored(stored):
    """A response sending a stored file under its original name."""
    return send_bytes(stored.data, stored.content_type, stored.original_name)


def send_audited(stored, actor, obj=None, action="file.download", **details):
    """Audit ``actor``'s download (of ``obj``, by default the file itself), commit, send."""
    audit.record(action, actor=actor, obj=stored if obj is None else obj, **details)
    db.session.commit()
    return send_stored(stored)
