//! `cargo run -p hookproof-axum-example`: the consumer on 127.0.0.1 (`PORT`, default 8787), keys
//! from `WEBHOOK_KEYS` (comma-separated `whsec_`/`whpk_`; required: there is no default key),
//! tags from `COMPANY_TAGS`.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let keys = std::env::var("WEBHOOK_KEYS").ok();
    let keys =
        hookproof_axum_example::keys_setting(keys.as_deref()).map_err(std::io::Error::other)?;
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
