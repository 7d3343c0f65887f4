"""The fault test's backend: the example app (examples/gateway-python/app.py, Flask, unchanged)
with fault hooks in front of it and a delivery log behind it, on werkzeug's threaded HTTP/1.1
server on 127.0.0.1. Started and stopped by tests/gateway/faults.test.mjs.

Environment:
  BACKEND_PORT  the port (127.0.0.1).
  BACKEND_LOG   a file: one line "<webhook-id> <unix ms>" per delivery the app answered 2xx,
                appended and flushed before the answer is sent, so the count survives a restart
                (the test stops and restarts this process: "backend down for a while").

Fault commands (JSON, POST /_faults; GET /_faults reads the counts):
  {"error_rate": p}                each delivery fails at once with 500 with probability p;
  {"slow_ms": [lo, hi], "slow_status": 200}
                                   each delivery waits lo..hi ms, then is answered by the app
                                   (slow_status 2xx) or fails with slow_status (5xx);
  {"fail_all": true}               every delivery fails with 503 (no Retry-After).
Faults are checked before the app runs: a failed delivery is not the app's (not logged).

SIGTERM: stop accepting, let deliveries in flight finish (≤ 5 s), close every connection, exit.
"""

import importlib.util
import json
import logging
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

from flask import jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gateway_example", ROOT / "examples/gateway-python/app.py")
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)
app = example.app

_faults = {"error_rate": 0.0, "slow_ms": None, "slow_status": 200, "fail_all": False}
_counts = {"delivered": 0, "errors": 0, "slow": 0, "slow_failed": 0, "failed_all": 0}
_lock = threading.Lock()
_log = open(os.environ["BACKEND_LOG"], "a", buffering=1, encoding="utf-8")  # noqa: SIM115
_inflight = 0
_inflight_lock = threading.Lock()


@app.before_request
def fault():
    if request.path != "/webhooks":
        return None
    with _lock:
        faults = dict(_faults)
    if faults["fail_all"]:
        with _lock:
            _counts["failed_all"] += 1
        return jsonify(status="failed"), 503
    if faults["error_rate"] and random.random() < faults["error_rate"]:
        with _lock:
            _counts["errors"] += 1
        return jsonify(status="failed"), 500
    if faults["slow_ms"]:
        lo, hi = faults["slow_ms"]
        time.sleep(random.uniform(lo, hi) / 1000)
        with _lock:
            _counts["slow"] += 1
        if not 200 <= faults["slow_status"] < 300:
            with _lock:
                _counts["slow_failed"] += 1
            return jsonify(status="failed"), faults["slow_status"]
    return None


@app.after_request
def record(response):
    if request.path == "/webhooks" and 200 <= response.status_code < 300:
        webhook_id = request.headers.get("webhook-id", "")
        with _lock:
            _log.write(f"{webhook_id} {int(time.time() * 1000)}\n")
            _counts["delivered"] += 1
            # The example keeps every delivery for its own tests: not here (100,000+ events).
            with example._lock:
                example._received.clear()
    return response


@app.route("/_faults", methods=["GET", "POST"])
def faults_command():
    if request.method == "POST":
        settings = request.get_json(force=True)
        with _lock:
            for key, value in settings.items():
                if key not in _faults:
                    return jsonify(status="unknown_fault", key=key), 400
                _faults[key] = value
    with _lock:
        return jsonify(faults=_faults, counts=_counts)


class Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def run_wsgi(self):
        # A request counts as in flight from its headers until its answer is written.
        global _inflight
        with _inflight_lock:
            _inflight += 1
        try:
            super().run_wsgi()
        finally:
            with _inflight_lock:
                _inflight -= 1

    def log_request(self, *args, **kwargs):
        pass


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = int(os.environ["BACKEND_PORT"])
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=Handler)
    server.daemon_threads = True

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"listening {port}", flush=True)
    server.serve_forever(poll_interval=0.05)
    server.server_close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with _inflight_lock:
            if _inflight == 0:
                break
        time.sleep(0.01)
    _log.flush()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
