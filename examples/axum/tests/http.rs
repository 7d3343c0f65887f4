//! The axum consumer over real HTTP on 127.0.0.1: a server on an ephemeral port, requests
//! written by hand on a `TcpStream`, and the server shut down when the test ends (also when it
//! fails: the guard's `Drop`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hookproof::Key;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// RFC 8032 §7.1 TEST 1.
const SIGNING: &str = "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
const PUBLIC: &str = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

struct Server {
    addr: SocketAddr,
    state: hookproof_axum_example::State,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(keys: &[&str], tags: &str) -> Server {
        let state = hookproof_axum_example::State::from_env_texts(keys, tags).unwrap();
        let served = state.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, hookproof_axum_example::app(served))
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Server {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// POSTs `body` with `headers`; returns the status and the body.
    fn post(&self, headers: &[(&str, String)], body: &[u8]) -> (u16, serde_json::Value) {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut request = format!(
            "POST /codat HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8(response).unwrap();
        let status = text[9..12].parse().unwrap();
        let body = text.split_once("\r\n\r\n").unwrap().1;
        (status, serde_json::from_str(body).unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn signed(key: &str, id: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    let ts = now();
    let signature = Key::parse(key).unwrap().sign(id, ts, body).unwrap();
    vec![
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", signature),
    ]
}

const EVENT: &[u8] = br#"{"id":"e1","eventType":"read.completed","payload":{"referenceCompany":{"id":"c1","tags":{"region":"us"}}}}"#;
const OTHER_REGION: &[u8] = br#"{"id":"e2","eventType":"read.completed","payload":{"referenceCompany":{"id":"c2","tags":{"region":"eu"}}}}"#;

#[test]
fn verifies_deduplicates_filters_over_http() {
    let server = Server::start(&[SECRET], "region:us");
    let headers = signed(SECRET, "msg_axum_1", EVENT);
    let (status, body) = server.post(&headers, EVENT);
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["id"], "msg_axum_1");
    assert_eq!(body["eventType"], "read.completed");
    // Delivered to the queue once, byte for byte.
    let delivered = server.state.delivered();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].id.as_deref(), Some("msg_axum_1"));
    assert_eq!(delivered[0].event_type, "read.completed");
    assert_eq!(&delivered[0].body[..], EVENT);

    let (status, body) = server.post(&headers, EVENT);
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(
        server.state.delivered().len(),
        1,
        "a duplicate is not delivered"
    );

    let (status, body) = server.post(&headers, b"{}");
    assert_eq!(status, 401);
    assert_eq!(body["code"], "no_matching_signature");

    let (status, body) = server.post(&headers[1..], EVENT);
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("missing_header"))
    );

    let other = signed(SECRET, "msg_axum_2", OTHER_REGION);
    let (status, body) = server.post(&other, OTHER_REGION);
    assert_eq!(
        (status, body["reason"].as_str()),
        (200, Some("company_tags"))
    );

    let unparsable = signed(SECRET, "msg_axum_3", b"not json");
    let (status, body) = server.post(&unparsable, b"not json");
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_payload"))
    );
}

#[test]
fn v1a_and_rotation_across_kinds_over_http() {
    let server = Server::start(&[SECRET, PUBLIC], "");
    let (status, body) = server.post(&signed(SIGNING, "msg_axum_v1a", EVENT), EVENT);
    assert_eq!(status, 202, "{body}");
    // Both signatures in one header, as a sender moving from v1 to v1a would send.
    let mut both = signed(SECRET, "msg_axum_both", EVENT);
    let v1a = Key::parse(SIGNING)
        .unwrap()
        .sign("msg_axum_both", both[1].1.parse().unwrap(), EVENT)
        .unwrap();
    both[2].1 = format!("{} {v1a}", both[2].1);
    assert_eq!(server.post(&both, EVENT).0, 202);
    let (status, body) = server.post(&signed(SIGNING, "msg_axum_v1a_2", EVENT), b"{}");
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("no_matching_signature"))
    );
}

#[test]
fn refuses_to_start_without_keys() {
    for unset in [None, Some(""), Some(" , ")] {
        let e = hookproof_axum_example::keys_setting(unset).unwrap_err();
        assert!(e.contains("WEBHOOK_KEYS"), "{e}");
    }
    assert_eq!(
        hookproof_axum_example::keys_setting(Some(" whsec_a , whpk_b ")).unwrap(),
        ["whsec_a", "whpk_b"]
    );
    // A key that lost its prefix states no kind: refused, not read as a secret.
    let e =
        hookproof_axum_example::State::from_env_texts(&["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "")
            .err()
            .unwrap();
    assert!(e.starts_with("ambiguous_key"), "{e}");
}
