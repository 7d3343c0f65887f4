"""A plain Python consumer of `hookproof gateway`'s Redis Streams sink (redis-py, XREADGROUP).

The gateway verified, filtered and de-duplicated each event, and added it to the route's
stream in the same atomic step as it marked the id done: every `webhook-id` is in the stream
once. Each entry's fields: `webhook-id`, `event-type`, `company-id` (when the event names one),
`route`, `verified` and `body` (the body exactly as Codat sent it). This consumer reads them
with a consumer group, handles each, and acknowledges it (XACK) only afterwards: an entry whose
consumer died before the XACK is read again on restart (its pending entries come first), so
handling must be idempotent by `webhook-id` (at least once, as with any queue).

    target/tools/python/bin/python examples/gateway-python/stream_consumer.py \\
        --redis redis://127.0.0.1:6379 --stream 'hookproof:stream:{codat-events}'

`--count N` stops after N entries and `--timeout S` after S seconds without one (for tests);
with `--json` each entry is printed as one JSON line.
"""

import argparse
import json
import sys
import time

import redis


def handle(fields):
    """Your code: the event is verified; `fields["body"]` is Codat's JSON."""
    event = json.loads(fields["body"])
    print(f"event {fields['webhook-id']} {fields['event-type']} {event.get('id', '')}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--stream", default="hookproof:stream:{codat-events}")
    parser.add_argument("--group", default="backend")
    parser.add_argument("--consumer", default="consumer-1")
    parser.add_argument("--count", type=int, default=0, help="stop after this many entries (0: never)")
    parser.add_argument("--timeout", type=float, default=0, help="stop after this many seconds without an entry (0: never)")
    parser.add_argument("--json", action="store_true", help="print each entry as a JSON line")
    args = parser.parse_args()

    client = redis.Redis.from_url(args.redis, decode_responses=True, socket_timeout=10)
    try:
        client.xgroup_create(args.stream, args.group, id="0", mkstream=True)
    except redis.ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise
    handled = 0
    last = time.monotonic()
    # First this consumer's own pending entries (read before a crash, never acknowledged),
    # then new ones.
    cursor = "0"
    while args.count == 0 or handled < args.count:
        reply = client.xreadgroup(args.group, args.consumer, {args.stream: cursor}, count=16, block=500)
        entries = reply[0][1] if reply else []
        if cursor == "0" and not entries:
            cursor = ">"
            continue
        if not entries:
            if args.timeout and time.monotonic() - last > args.timeout:
                break
            continue
        for entry_id, fields in entries:
            if not fields:
                # A pending entry trimmed away by MAXLEN meanwhile: nothing left to handle.
                client.xack(args.stream, args.group, entry_id)
                continue
            if args.json:
                print(json.dumps({"entry": entry_id, **fields}), flush=True)
            else:
                handle(fields)
            client.xack(args.stream, args.group, entry_id)
            handled += 1
            last = time.monotonic()
    return 0


if __name__ == "__main__":
    sys.exit(main())
