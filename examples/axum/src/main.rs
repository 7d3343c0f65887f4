//! `cargo run -p hookproof-axum-example`: the consumer on 127.0.0.1 (`PORT`, default 8787), keys
//! from `WEBHOOK_KEYS` (comma-separated `whsec_`/`whpk_`), tags from `COMPANY_TAGS`.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let keys = std::env::var("WEBHOOK_KEYS")
        .unwrap_or_else(|_| "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned());
    let keys: Vec<&str> = keys.split(',').map(str::trim).collect();
    let tags = std::env::var("COMPANY_TAGS").unwrap_or_default();
    let state = hookproof_axum_example::State::from_env_texts(&keys, &tags)
        .map_err(std::io::Error::other)?;
    let port = std::env::var("PORT").unwrap_or_else(|_| "8787".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    eprintln!("listening on http://{}/codat", listener.local_addr()?);
    axum::serve(listener, hookproof_axum_example::app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
