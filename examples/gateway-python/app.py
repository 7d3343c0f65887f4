"""A Python backend behind `hookproof gateway` (Flask).

The gateway has already verified the signature (or the legacy Authorization header), dropped
unwanted event types and company tags, and de-duplicated by webhook-id: this app only does its
own work. It still treats `webhook-id` as an idempotency key, because a delivery that timed
out at the gateway may arrive twice (each copy carries the same id).

Answer 2xx once the event is safely yours (the gateway then acknowledges Codat); answer 5xx
(or 429/503 with Retry-After) when it is not, and the gateway answers Codat 503 so Codat
retries. Run:

    GATEWAY_BACKEND_PORT=8000 python app.py
"""

import json
import os
import threading
import time

from flask import Flask, jsonify, request

app = Flask(__name__)
_lock = threading.Lock()
_seen = set()  # webhook-ids already handled (use your database in a real service)
_received = []  # every delivery, in order (for the example's tests)
_fail = {"count": 0, "status": 503, "retry_after": None}
_slow = {"delay_ms": 0}


@app.post("/webhooks")
def webhooks():
    webhook_id = request.headers.get("hookproof-webhook-id") or request.headers.get("webhook-id")
    event_type = request.headers.get("hookproof-event-type")
    body = request.get_data()
    if _slow["delay_ms"]:
        time.sleep(_slow["delay_ms"] / 1000)
    with _lock:
        _received.append(
            {
                "id": webhook_id,
                "event_type": event_type,
                "verified": request.headers.get("hookproof-verified"),
                "route": request.headers.get("hookproof-route"),
                "webhook_signature": request.headers.get("webhook-signature"),
                "body": body.decode("utf-8", "replace"),
            }
        )
        if _fail["count"] > 0:
            _fail["count"] -= 1
            headers = {}
            if _fail["retry_after"] is not None:
                headers["Retry-After"] = str(_fail["retry_after"])
            return jsonify(status="failed"), _fail["status"], headers
        duplicate = webhook_id in _seen
        _seen.add(webhook_id)
    if duplicate:
        return jsonify(status="duplicate"), 200
    event = json.loads(body)
    app.logger.info("event %s %s", webhook_id, event.get("eventType") or event.get("RuleType"))
    return jsonify(status="ok"), 200


if os.environ.get("GATEWAY_EXAMPLE_TEST_HOOKS") == "1":

    @app.get("/_test/received")
    def received():
        with _lock:
            return jsonify(_received)

    @app.post("/_test/fail")
    def fail():
        settings = request.get_json(force=True)
        with _lock:
            _fail["count"] = int(settings.get("count", 1))
            _fail["status"] = int(settings.get("status", 503))
            _fail["retry_after"] = settings.get("retry_after")
        return jsonify(status="ok")

    @app.post("/_test/slow")
    def slow():
        _slow["delay_ms"] = int(request.get_json(force=True).get("delay_ms", 0))
        return jsonify(status="ok")


if __name__ == "__main__":
    port = int(os.environ.get("GATEWAY_BACKEND_PORT", "8000"))
    app.run(host="127.0.0.1", port=port, threaded=True)
