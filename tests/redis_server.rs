//! `hookproof::redis` from Rust against a real `redis-server` (started on 127.0.0.1 by the test
//! and stopped afterwards): acceptance.json's sequences and transitions and the rate-limit
//! cases of guards.json, through the scripts, the key layout, the arguments and the reply
//! parsing a Rust service (the gateway) uses — the same scripts `hookproof/redis` runs from
//! Node (tests/acceptance/redis.test.mjs). A tiny RESP client stands in for the service's own.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hookproof::acceptance::{self, Abort, Answer, Begin, Commit, Enqueue, Op};
use hookproof::redis::{self, Layout, Reply};
use hookproof::{AcceptanceConfig, ErrorCode, RateDecision, RateLimiter};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
enum Resp {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<String>),
    Array(Vec<Resp>),
}

struct Server {
    child: Child,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start() -> (Server, Client) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir =
        std::env::temp_dir().join(format!("hookproof-redis-rs-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "no", "--protected-mode", "yes", "--dir"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("redis-server (Debian's redis-server package; `make setup-redis`)");
    let server = Server { child, dir };
    let started = Instant::now();
    loop {
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut client = Client {
                reader: BufReader::new(stream.try_clone().unwrap()),
                stream,
            };
            if client.call(&["PING"]) == Resp::Simple("PONG".into()) {
                return (server, client);
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn call<S: AsRef<str>>(&mut self, args: &[S]) -> Resp {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            let a = a.as_ref().as_bytes();
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&out).unwrap();
        self.read()
    }

    fn read(&mut self) -> Resp {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let (kind, rest) = line.trim_end_matches("\r\n").split_at(1);
        match kind {
            "+" => Resp::Simple(rest.into()),
            "-" => Resp::Error(rest.into()),
            ":" => Resp::Int(rest.parse().unwrap()),
            "$" => {
                let len: i64 = rest.parse().unwrap();
                if len < 0 {
                    return Resp::Bulk(None);
                }
                let mut buf = vec![0; len as usize + 2];
                self.reader.read_exact(&mut buf).unwrap();
                buf.truncate(len as usize);
                Resp::Bulk(Some(String::from_utf8(buf).unwrap()))
            }
            "*" => {
                let n: i64 = rest.parse().unwrap();
                Resp::Array((0..n.max(0)).map(|_| self.read()).collect())
            }
            k => panic!("RESP type {k}"),
        }
    }

    /// EVALSHA of `script` (loaded on first use).
    fn eval(&mut self, script: &str, keys: &[String], args: &[String]) -> Resp {
        let Resp::Bulk(Some(sha)) = self.call(&["SCRIPT", "LOAD", script]) else {
            panic!("SCRIPT LOAD")
        };
        let mut argv = vec!["EVALSHA".to_owned(), sha, keys.len().to_string()];
        argv.extend_from_slice(keys);
        argv.extend_from_slice(args);
        self.call(&argv)
    }
}

/// The script's reply as `hookproof::redis` parses it.
fn acceptance_answer(op: Op, resp: &Resp) -> Answer {
    let Resp::Array(items) = resp else {
        panic!("reply {resp:?}")
    };
    let answer = match &items[0] {
        Resp::Bulk(Some(s)) => s.as_str(),
        r => panic!("answer {r:?}"),
    };
    let Resp::Int(value) = items[1] else {
        panic!("value {:?}", items[1])
    };
    let stream_id = match items.get(2) {
        Some(Resp::Bulk(Some(s))) => Some(s.as_str()),
        _ => None,
    };
    redis::parse_acceptance_reply(
        op,
        Reply {
            answer,
            value,
            stream_id,
        },
    )
    .unwrap()
}

fn answer_json(a: Answer) -> Value {
    match a {
        Answer::Begin(Begin::New { token }) => json!({"answer": "new", "token": token}),
        Answer::Begin(Begin::InFlight { retry_after })
        | Answer::Enqueue(Enqueue::InFlight { retry_after }) => {
            json!({"answer": "in_flight", "retryAfter": retry_after})
        }
        Answer::Begin(Begin::Done) | Answer::Enqueue(Enqueue::Done) => json!({"answer": "done"}),
        Answer::Commit(Commit::Committed) | Answer::Enqueue(Enqueue::Committed) => {
            json!({"answer": "committed"})
        }
        Answer::Commit(Commit::Late) | Answer::Enqueue(Enqueue::Late) => json!({"answer": "late"}),
        Answer::Abort(Abort::Released) => json!({"answer": "released"}),
        Answer::Abort(Abort::NotHeld) => json!({"answer": "not_held"}),
    }
}

fn op_of(t: &Value) -> Op {
    let token = t["token"].as_i64().unwrap_or(0);
    match t["op"].as_str().unwrap() {
        "begin" => Op::Begin,
        "commit" => Op::Commit { token },
        "abort" => Op::Abort { token },
        "enqueue" => Op::Enqueue { token },
        o => panic!("op {o}"),
    }
}

fn id_of(v: &Value) -> String {
    match v.as_str() {
        Some(s) => s.to_owned(),
        None => v["repeat"]
            .as_str()
            .unwrap()
            .repeat(v["times"].as_u64().unwrap() as usize),
    }
}

fn vectors(name: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["tests"].as_array().unwrap().clone()
}

/// One operation through the script: the answer in the vectors' shape (or `{error}`), and
/// whether a stream entry was written.
fn apply(
    client: &mut Client,
    layout: &Layout,
    config: &AcceptanceConfig,
    id: &str,
    op: Op,
    now: i64,
) -> Value {
    let key = match acceptance::key(id) {
        Ok(k) => k,
        Err(e) => return json!({"error": e.code()}),
    };
    let mut keys = vec![layout.acceptance_key(&key)];
    let fields = [("webhook-id", id)];
    let enqueue = matches!(op, Op::Enqueue { .. });
    if enqueue {
        keys.push(layout.stream_key());
    }
    let args =
        redis::acceptance_args(config, op, now, enqueue.then_some((0, &fields[..]))).unwrap();
    answer_json(acceptance_answer(
        op,
        &client.eval(redis::ACCEPTANCE_SCRIPT, &keys, &args),
    ))
}

#[test]
fn the_vectors_through_the_scripts_from_rust() {
    let (_server, mut client) = start();
    let mut failures = Vec::new();
    let mut ran = 0;
    for t in vectors("acceptance.json") {
        let tc = t["tcId"].as_u64().unwrap();
        let kind = t["kind"].as_str().unwrap();
        if kind == "key" || t.get("capacity").is_some() {
            continue; // the key is tests/redis.rs's; capacity is the memory store's
        }
        ran += 1;
        let config =
            AcceptanceConfig::new(t["window"].as_u64().unwrap(), t["lease"].as_u64().unwrap());
        let config = match (kind, config) {
            ("config", Err(e)) => {
                if Some(e.code()) != t["error"].as_str() {
                    failures.push(format!("tcId {tc}: {}", e.code()));
                }
                continue;
            }
            (_, Ok(c)) => c,
            (_, Err(e)) => {
                failures.push(format!("tcId {tc}: config refused: {e}"));
                continue;
            }
        };
        let layout = Layout::new(redis::DEFAULT_PREFIX, &format!("rs-vectors-{tc}")).unwrap();
        match kind {
            "sequence" => {
                for (i, s) in t["steps"].as_array().unwrap().iter().enumerate() {
                    let got = apply(
                        &mut client,
                        &layout,
                        &config,
                        &id_of(&s["id"]),
                        op_of(s),
                        s["now"].as_i64().unwrap(),
                    );
                    if got != s["expected"] {
                        failures.push(format!(
                            "tcId {tc} step {}: got {got}, want {}",
                            i + 1,
                            s["expected"]
                        ));
                        break;
                    }
                }
            }
            "transition" => {
                let key = layout.acceptance_key(&acceptance::key("msg_t").unwrap());
                if let Some(state) = t["entry"]["state"].as_str() {
                    let value = format!("{state}:{}", t["entry"]["deadline"]);
                    client.call(&["SET", key.as_str(), value.as_str()]);
                }
                let answer = apply(
                    &mut client,
                    &layout,
                    &config,
                    "msg_t",
                    op_of(&t),
                    t["now"].as_i64().unwrap(),
                );
                let entry = match client.call(&["GET", key.as_str()]) {
                    Resp::Bulk(None) => Value::Null,
                    Resp::Bulk(Some(v)) => {
                        let (state, deadline) = v.split_once(':').unwrap();
                        json!({"state": state, "deadline": deadline.parse::<i64>().unwrap()})
                    }
                    r => panic!("GET {r:?}"),
                };
                let got = json!({"entry": entry, "answer": answer});
                if got != t["expected"] {
                    failures.push(format!("tcId {tc}: got {got}, want {}", t["expected"]));
                }
            }
            _ => failures.push(format!("tcId {tc}: kind {kind}")),
        }
    }
    assert_eq!(failures, Vec::<String>::new());
    assert!(ran >= 160, "only {ran} cases");

    // Rate limits: the GCRA script against guards.json.
    let mut rate_cases = 0;
    for t in vectors("guards.json") {
        if t["kind"] != "rate_limit" {
            continue;
        }
        rate_cases += 1;
        let tc = t["tcId"].as_u64().unwrap();
        let limiter = match RateLimiter::new(
            t["perSecond"].as_u64().unwrap() as u32,
            t["burst"].as_u64().unwrap() as u32,
        ) {
            Ok(l) => l,
            Err(e) => {
                assert_eq!(Some(e.code()), t["error"].as_str(), "tcId {tc}");
                continue;
            }
        };
        let key = vec![format!("rs-rate-{tc}")];
        for step in t["steps"].as_array().unwrap() {
            let ms = step[0].as_u64().unwrap();
            let Resp::Array(items) = client.eval(
                redis::RATE_LIMIT_SCRIPT,
                &key,
                &redis::rate_limit_args(&limiter, ms),
            ) else {
                panic!("rate reply")
            };
            let (Resp::Bulk(Some(answer)), Resp::Int(value)) = (&items[0], &items[1]) else {
                panic!("rate reply {items:?}")
            };
            let got = match redis::parse_rate_limit_reply(answer, *value).unwrap() {
                RateDecision::Allow => json!("allow"),
                RateDecision::RetryAfter(s) => json!(s),
            };
            assert_eq!(got, step[1], "guards.json tcId {tc} at {ms} ms");
        }
    }
    assert!(rate_cases >= 10);
}

#[test]
fn enqueue_writes_one_stream_entry_per_id() {
    let (_server, mut client) = start();
    let config = AcceptanceConfig::default();
    let layout = Layout::new("hookproof:", "rs-enqueue").unwrap();
    let begun = apply(&mut client, &layout, &config, "msg_1", Op::Begin, 1000);
    let token = begun["token"].as_i64().unwrap();
    for now in [1001, 1002, 1003] {
        apply(
            &mut client,
            &layout,
            &config,
            "msg_1",
            Op::Enqueue { token },
            now,
        );
    }
    assert_eq!(
        client.call(&["XLEN", layout.stream_key().as_str()]),
        Resp::Int(1)
    );
    assert_eq!(
        apply(&mut client, &layout, &config, "msg_1", Op::Begin, 1004),
        json!({"answer": "done"})
    );
}
