"""Gunicorn settings of the `web` process, shared by the Procfile and the benchmark (`bench/`).

gunicorn reads this file by itself when started from the repository root; command-line
options override it (the benchmark binds to 127.0.0.1 on a free port and logs to a file).
"""
import os

bind = f"0.0.0.0:{os.environ.get('PORT') or '5000'}"
workers = int(os.environ.get("WEB_CONCURRENCY") or "2")
worker_class = "sync"
accesslog = "-"


def on_starting(server):
    """Check the environment before the port opens: a process that cannot run stops here with
    one line per missing setting, instead of respawning workers that cannot boot."""
    from config import Config, ConfigError, exit_on_config_error

    try:
        Config().check()
    except ConfigError as error:
        exit_on_config_error(error)
