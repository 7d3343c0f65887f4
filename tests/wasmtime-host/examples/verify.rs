// Verify a Codat webhook with the hookproof component from a Rust service.
use wasmtime::component::{Component, Linker, bindgen};
use wasmtime::{Engine, Store};

bindgen!({ world: "webhooks", path: "../../wit" });
use exports::hookproof::webhooks::signatures::{Options, Secret, Tolerance};

fn main() -> wasmtime::Result<()> {
    let engine = Engine::default();
    let component = Component::from_file(
        &engine,
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../dist/hookproof.component.wasm"
        ),
    )?;
    let mut store = Store::new(&engine, ());
    // The world imports nothing: an empty linker is enough.
    let hp = Webhooks::instantiate(&mut store, &component, &Linker::new(&engine))?;
    let verifiers = hp.hookproof_webhooks_signatures().verifier();
    let secret = Secret::Text("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
    let options = Options {
        tolerance: Tolerance::Seconds(300),
        max_payload: None,
    };
    let verifier = verifiers
        .call_create(&mut store, &[secret], options)?
        .expect("secret");
    let headers = [
        (
            "webhook-id".to_string(),
            "msg_p5jXN8AQM9LWM0D4loKWxJek".to_string(),
        ),
        ("webhook-timestamp".to_string(), "1614265330".to_string()),
        (
            "webhook-signature".to_string(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_string(),
        ),
    ];
    let body = br#"{"test": 2432232314}"#;
    match verifiers.call_verify(&mut store, verifier, &headers, body, 1614265330)? {
        Ok(verified) => println!("valid: {} at {}", verified.id, verified.timestamp),
        Err(error) => println!("rejected: {error:?}"),
    }
    Ok(())
}
