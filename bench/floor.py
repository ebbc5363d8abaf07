"""The floor: the least a Flask + psycopg2 endpoint can do per submission on this machine.

``POST /floor`` stores the posted ``payload`` (about 1 KB) as one row of its own table and
answers 201; ``POST /floor/json`` does the same for a JSON object (the partner API's
floor): parses it, stores it as one row, answers 201 with the row's id as JSON;
``GET /healthz`` answers 200. It is served by the same gunicorn settings as the app
(``gunicorn.conf.py``), so every throughput figure divided by the floor measured in the
same run cancels most of the machine's noise.

    FLOOR_DATABASE_URL=postgresql://… gunicorn bench.floor:app -c gunicorn.conf.py
"""
import json
import os

import psycopg2
import psycopg2.pool
from flask import Flask, jsonify, request

PAYLOAD_BYTES = 1024


def table():
    """The floor's table: ``FLOOR_TABLE`` (a tests' schema) or ``bench_floor``."""
    return os.environ.get("FLOOR_TABLE") or "bench_floor"


app = Flask(__name__)
_pool = None


def database_url():
    url = os.environ.get("FLOOR_DATABASE_URL") or os.environ["DATABASE_URL"]
    return url.replace("postgresql+psycopg2://", "postgresql://", 1)


def pool():
    """A small pool per worker process, opened after gunicorn forks."""
    global _pool
    if _pool is None:
        _pool = psycopg2.pool.SimpleConnectionPool(1, 2, database_url())
    return _pool


def create_table(url):
    """The floor's own table (created by the bench before the server starts): one row per
    POST, like a minimal submissions table."""
    conn = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://", 1))
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"CREATE TABLE IF NOT EXISTS {table()} ("
                        "id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), "
                        "payload text NOT NULL)")
    finally:
        conn.close()


@app.post("/floor")
def floor():
    payload = request.form.get("payload", "")
    if not payload:
        return "payload missing\n", 400
    return f"{insert(payload)}\n", 201


@app.post("/floor/json")
def floor_json():
    """The least a JSON API can do per case: parse the object, store it, answer JSON."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        return jsonify(error="a JSON object is expected"), 400
    return jsonify(id=insert(json.dumps(body, ensure_ascii=False))), 201


def insert(payload):
    """Store ``payload`` as one row in one transaction; the new row's id."""
    conn = pool().getconn()
    try:
        with conn, conn.cursor() as cur:  # one transaction, committed on exit
            cur.execute(f"INSERT INTO {table()} (payload) VALUES (%s) RETURNING id", (payload,))
            row_id = cur.fetchone()[0]
    except psycopg2.Error:
        pool().putconn(conn, close=True)
        raise
    pool().putconn(conn)
    return row_id


@app.get("/healthz")
def healthz():
    return "ok\n"
