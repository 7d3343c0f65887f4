//! The component in Wasmtime against the same core as native Rust: verify at 1 KiB and 64 KiB,
//! interleaved rounds, medians. Prints one JSON line per size (read by bench/run.mjs).
use std::time::Instant;

use hookproof_wasmtime_host::exports::hookproof::webhooks::signatures::{
    Options, Secret, Tolerance,
};
use hookproof_wasmtime_host::load;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ROUNDS: usize = 15;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn time(iterations: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iterations)
}

fn calibrate(mut f: impl FnMut()) -> u32 {
    let mut k = 1;
    loop {
        let per = time(k, &mut f);
        if per * f64::from(k) > 5e6 || k > 1 << 20 {
            return ((20e6 / per) as u32).max(1);
        }
        k *= 4;
    }
}

fn main() -> wasmtime::Result<()> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../dist/hookproof.component.wasm"
    );
    let mut loaded = load(std::path::Path::new(path))?;
    let native = hookproof::Verifier::new(&hookproof::Secret::parse(SECRET).expect("secret"));
    let guest = loaded.webhooks.hookproof_webhooks_signatures().verifier();
    let options = Options {
        tolerance: Tolerance::Seconds(300),
        max_payload: None,
    };
    let verifier = guest
        .call_create(&mut loaded.store, &[Secret::Text(SECRET.into())], options)?
        .expect("secret");
    for size in [1024usize, 64 * 1024] {
        let body = vec![b'x'; size];
        let now = 1_700_000_000;
        let sig = native.sign("msg_bench", now, &body);
        let headers = vec![
            ("webhook-id".to_owned(), "msg_bench".to_owned()),
            ("webhook-timestamp".to_owned(), now.to_string()),
            ("webhook-signature".to_owned(), sig.clone()),
        ];
        let mut run_native = || {
            native
                .verify(headers.as_slice(), &body, now)
                .expect("valid");
        };
        let store = &mut loaded.store;
        let mut run_component = || {
            guest
                .call_verify(&mut *store, verifier, &headers, &body, now)
                .expect("call")
                .expect("valid");
        };
        let n_native = calibrate(&mut run_native);
        let n_component = calibrate(&mut run_component);
        let (mut native_ns, mut component_ns, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let (a, b) = if round % 2 == 0 {
                let a = time(n_native, &mut run_native);
                (a, time(n_component, &mut run_component))
            } else {
                let b = time(n_component, &mut run_component);
                (time(n_native, &mut run_native), b)
            };
            native_ns.push(a);
            component_ns.push(b);
            ratios.push(a / b);
        }
        println!(
            "{{\"size\":{size},\"nativeNs\":{:.1},\"componentNs\":{:.1},\"ratio\":{:.3}}}",
            median(native_ns),
            median(component_ns),
            median(ratios)
        );
    }
    Ok(())
}
