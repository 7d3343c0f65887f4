//! `hookproof::redis` without a server: the scripts are the files, every key of a scope lands
//! in one Redis Cluster hash slot (slots computed here from the Redis Cluster specification's
//! CRC16, not by the code under test), arguments and replies convert as documented.
//! The scripts themselves run against real Redis and a 3-master cluster in
//! `tests/acceptance/redis.test.mjs`.

use hookproof::acceptance::{self, Abort, Answer, Begin, Commit, Enqueue, Op};
use hookproof::redis::{
    self, ACCEPTANCE_SCRIPT, Layout, RATE_LIMIT_SCRIPT, RedisError, Reply, parse_acceptance_reply,
    parse_rate_limit_reply,
};
use hookproof::{AcceptanceConfig, ErrorCode, RateDecision, RateLimiter};

/// CRC16-CCITT (XModem), as the Redis Cluster specification defines the key slot.
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The hash slot of a key: CRC16 of the hash tag (text between the first `{` and the next `}`,
/// if not empty), else of the whole key, mod 16384.
fn slot(key: &str) -> u16 {
    let hashed = match key.find('{') {
        Some(open) => match key[open + 1..].find('}') {
            Some(len) if len > 0 => &key[open + 1..open + 1 + len],
            _ => key,
        },
        None => key,
    };
    crc16(hashed.as_bytes()) % 16384
}

#[test]
fn crc16_is_the_specifications() {
    // The Redis Cluster specification's reference value.
    assert_eq!(crc16(b"123456789"), 0x31c3);
}

#[test]
fn the_scripts_are_the_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/redis");
    assert_eq!(
        ACCEPTANCE_SCRIPT,
        std::fs::read_to_string(dir.join("acceptance.lua")).unwrap()
    );
    assert_eq!(
        RATE_LIMIT_SCRIPT,
        std::fs::read_to_string(dir.join("rate_limit.lua")).unwrap()
    );
}

#[test]
fn every_key_of_a_scope_is_in_one_slot() {
    for scope in ["codat-events", "endpoint-a", "route/42", "x", "é🚀"] {
        let layout = Layout::new("hookproof:", scope).unwrap();
        let stream = layout.stream_key();
        assert_eq!(stream, format!("hookproof:stream:{{{scope}}}"));
        for id in ["msg_p5jXN8AQM9LWM0D4loKWxJek", "msg:1", &"x".repeat(300)] {
            let key = layout.acceptance_key(&acceptance::key(id).unwrap());
            assert!(key.starts_with(&format!("hookproof:acceptance:{{{scope}}}:")));
            assert_eq!(slot(&key), slot(&stream), "{key} and {stream}");
            assert_eq!(slot(&key), slot(scope));
        }
    }
    // Scopes differ: (almost always) other slots, always other keys.
    let a = Layout::new("p:", "endpoint-a").unwrap();
    let b = Layout::new("p:", "endpoint-b").unwrap();
    let k = acceptance::key("msg_1").unwrap();
    assert_ne!(a.acceptance_key(&k), b.acceptance_key(&k));
    assert_ne!(a.stream_key(), b.stream_key());
}

#[test]
fn bad_scopes_and_prefixes_are_refused() {
    for scope in ["", "a{b}", "{", "}", &"s".repeat(257)] {
        let e = Layout::new("hookproof:", scope).unwrap_err();
        assert_eq!(e, RedisError::InvalidScope);
        assert_eq!(e.code(), "invalid_scope");
    }
    Layout::new("hookproof:", &"s".repeat(256)).unwrap();
    // A brace in the prefix would become the hash tag.
    for prefix in ["a{b}:", "{", &"p".repeat(257)] {
        assert_eq!(
            Layout::new(prefix, "scope").unwrap_err(),
            RedisError::InvalidPrefix
        );
    }
    Layout::new("", "scope").unwrap();
}

#[test]
fn acceptance_arguments() {
    let config = AcceptanceConfig::new(1000, 60).unwrap();
    assert_eq!(
        redis::acceptance_args(&config, Op::Begin, 1_700_000_000, None).unwrap(),
        ["begin", "0", "1700000000", "1000", "60", "60000"]
    );
    assert_eq!(
        redis::acceptance_args(&config, Op::Abort { token: -5 }, -10, None).unwrap(),
        ["abort", "-5", "-10", "1000", "60", "60000"]
    );
    assert_eq!(
        redis::acceptance_args(
            &config,
            Op::Enqueue { token: 60 },
            1,
            Some((1000, &[("webhook-id", "msg_1"), ("body", "{}")]))
        )
        .unwrap(),
        [
            "enqueue",
            "60",
            "1",
            "1000",
            "60",
            "60000",
            "1000",
            "webhook-id",
            "msg_1",
            "body",
            "{}"
        ]
    );
    for fields in [None, Some((0, &[][..]))] {
        assert_eq!(
            redis::acceptance_args(&config, Op::Enqueue { token: 60 }, 1, fields).unwrap_err(),
            RedisError::InvalidFields
        );
    }
    let many = vec![("f", "v"); 65];
    assert_eq!(
        redis::acceptance_args(&config, Op::Enqueue { token: 60 }, 1, Some((0, &many)))
            .unwrap_err(),
        RedisError::InvalidFields
    );
}

fn reply(answer: &'static str, value: i64, stream_id: Option<&'static str>) -> Reply<'static> {
    Reply {
        answer,
        value,
        stream_id,
    }
}

#[test]
fn acceptance_replies() {
    let enqueue = Op::Enqueue { token: 60 };
    let cases: [(Op, Reply, Answer); 11] = [
        (
            Op::Begin,
            reply("new", 60, None),
            Answer::Begin(Begin::New { token: 60 }),
        ),
        (
            Op::Begin,
            reply("in_flight", 7, None),
            Answer::Begin(Begin::InFlight { retry_after: 7 }),
        ),
        (
            Op::Begin,
            reply("done", 0, None),
            Answer::Begin(Begin::Done),
        ),
        (
            Op::Commit { token: 60 },
            reply("committed", 0, None),
            Answer::Commit(Commit::Committed),
        ),
        (
            Op::Commit { token: 60 },
            reply("late", 0, None),
            Answer::Commit(Commit::Late),
        ),
        (
            Op::Abort { token: 60 },
            reply("released", 0, None),
            Answer::Abort(Abort::Released),
        ),
        (
            Op::Abort { token: 60 },
            reply("not_held", 0, None),
            Answer::Abort(Abort::NotHeld),
        ),
        (
            enqueue,
            reply("committed", 0, Some("1-0")),
            Answer::Enqueue(Enqueue::Committed),
        ),
        (
            enqueue,
            reply("late", 0, Some("1-0")),
            Answer::Enqueue(Enqueue::Late),
        ),
        (
            enqueue,
            reply("done", 0, None),
            Answer::Enqueue(Enqueue::Done),
        ),
        (
            enqueue,
            reply("in_flight", 3, None),
            Answer::Enqueue(Enqueue::InFlight { retry_after: 3 }),
        ),
    ];
    for (op, r, want) in cases {
        assert_eq!(parse_acceptance_reply(op, r), Ok(want), "{op:?} {r:?}");
    }
    // Names the op cannot answer, numbers, bad retry-afters, a write without its id or an id
    // without a write: refused.
    for (op, r) in [
        (Op::Begin, reply("committed", 0, None)),
        (Op::Begin, reply("0", 60, None)),
        (Op::Begin, reply("in_flight", 0, None)),
        (Op::Begin, reply("new", 60, Some("1-0"))),
        (Op::Abort { token: 1 }, reply("done", 0, None)),
        (enqueue, reply("committed", 0, None)),
        (enqueue, reply("done", 0, Some("1-0"))),
        (enqueue, reply("in_flight", -1, None)),
        (enqueue, reply("released", 0, None)),
    ] {
        assert_eq!(
            parse_acceptance_reply(op, r),
            Err(RedisError::UnexpectedReply),
            "{op:?} {r:?}"
        );
    }
}

#[test]
fn rate_limit_arguments_and_replies() {
    let limiter = RateLimiter::new(3, 5).unwrap();
    // 1 s / 3 = 333,333,333 ns, and four of them of tolerance.
    assert_eq!(
        redis::rate_limit_args(&limiter, 1_000),
        ["1000", "333333333", "1333333332", "60000"]
    );
    assert_eq!(parse_rate_limit_reply("allow", 0), Ok(RateDecision::Allow));
    assert_eq!(
        parse_rate_limit_reply("retry_after", 2),
        Ok(RateDecision::RetryAfter(2))
    );
    for (a, v) in [("retry_after", 0), ("0", 0), ("limited", 1)] {
        assert_eq!(
            parse_rate_limit_reply(a, v),
            Err(RedisError::UnexpectedReply)
        );
    }
}
