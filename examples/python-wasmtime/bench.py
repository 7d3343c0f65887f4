"""Per-call cost of verify.py's `verify_once`: `python bench.py [N]` from the repository root.

Signs a Codat-sized event (about 1 KiB) with the standard library's HMAC, then times N calls;
prints the CPU time per call (process time, steady on a shared machine) for a genuine and a
tampered body of that size and of 20 bytes.
"""
import base64
import hashlib
import hmac
import json
import sys
import time

from verify import store, verify_once

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
KEY = b"hookproof bench key, 32 bytes.."
SECRET = "whsec_" + base64.b64encode(KEY).decode()
NOW = 1_767_225_600
event = json.dumps({"id": "evt_1", "eventType": "DataSyncCompleted", "payload": {"x": "y" * 900}})
for body in (event.encode(), b'{"test": 2432232314}'):
    mac = hmac.new(KEY, b"msg_1.%d." % NOW + body, hashlib.sha256).digest()
    headers = [("webhook-id", "msg_1"), ("webhook-timestamp", str(NOW)),
               ("webhook-signature", "v1," + base64.b64encode(mac).decode())]
    assert verify_once(store, SECRET, headers, body, NOW).id == "msg_1"
    for name, payload in (("genuine", body), ("tampered", body[:-1] + b" ")):
        start = time.process_time()
        for _ in range(N):
            verify_once(store, SECRET, headers, payload, NOW)
        per_call = (time.process_time() - start) / N * 1e6
        print(f"{name}, {len(payload)} bytes: {per_call:.0f} µs per call")
