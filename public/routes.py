"""Public pages and the health check."""
from flask import jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from extensions import csrf, db
from public import bp


@bp.route("/")
def home():
    return render_template("public/home.html")


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """200 when the app and its database answer; 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")
