"""Verify Codat webhooks in Python with hookproof's WebAssembly component (PyPI `wasmtime`).

`CODAT_WEBHOOK_SECRET=whsec_… python verify.py` serves 127.0.0.1:$PORT: 204 for a genuine
webhook, 400 with the WIT error name (`no-matching-signature`, `timestamp-too-old`, …) otherwise.
"""
import os
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from wasmtime import Engine, Store
from wasmtime.component import Component, Linker

WASM = os.environ.get("HOOKPROOF_COMPONENT", "dist/hookproof.component.wasm")
MAX_BODY = 1 << 20  # bytes; Codat's events are far smaller
engine = Engine()
store = Store(engine)
hookproof = Linker(engine).instantiate(store, Component.from_file(engine, WASM))  # imports nothing
signatures = hookproof.get_export_index(store, "hookproof:webhooks/signatures@0.1.0")
verify_once = hookproof.get_func(store, hookproof.get_export_index(store, "verify-once", signatures))


def verify(secret: str, headers: list[tuple[str, str]], body: bytes) -> str:
    """The `webhook-id` of a genuine webhook (the idempotency key); ValueError otherwise."""
    result = verify_once(store, secret, headers, body, int(time.time()))
    if hasattr(result, "id"):
        return result.id
    # A refused key comes back as its `secret-error` name, a refused message as a `verify-error`.
    raise ValueError(result if isinstance(result, str) else result.tag)


class Webhook(BaseHTTPRequestHandler):
    timeout = 10  # seconds for a slow client, then the connection is dropped

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "")
        if not (length.isascii() and length.isdigit()):  # `²` is a digit to str.isdigit
            return self.send_error(411)
        if len(length) > 9 or int(length) > MAX_BODY:
            return self.send_error(413)
        try:
            webhook_id = verify(SECRET, list(self.headers.items()), self.rfile.read(int(length)))
        except ValueError as error:
            return self.send_error(400, str(error))
        print("verified", webhook_id, flush=True)  # queue the event here, then answer
        self.send_response(204)
        self.end_headers()


if __name__ == "__main__":
    SECRET = os.environ.get("CODAT_WEBHOOK_SECRET", "")
    refused = verify_once(store, SECRET, [], b"", 0)  # the key is read before any header
    if isinstance(refused, str):
        raise SystemExit(f"CODAT_WEBHOOK_SECRET refused: {refused}")
    server = HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Webhook)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
