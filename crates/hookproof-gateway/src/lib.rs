//! `hookproof gateway`: a webhook gateway in front of any backend. It verifies Codat's
//! webhooks (Standard Webhooks `v1`/`v1a`, or the legacy `Authorization` header), filters them,
//! de-duplicates them with the core's two-phase acceptance, and delivers each wanted event to a
//! sink, answering the sender 2xx only once the sink took it. Every rule is the core's
//! ([`hookproof`]); this crate is its I/O shell. See `docs/gateway.md`.

pub mod config;
pub mod decide;
pub mod metrics;
pub mod server;
pub mod sink;
pub mod store;
pub mod tls;

use std::path::Path;
use std::process::ExitCode;

pub use config::{Config, ConfigError, ConfigErrors};

/// `hookproof gateway --config FILE [--check]`: with `check`, validates the file and explains
/// every error with its key and line (exit 1) or prints a summary (exit 0); otherwise serves
/// until SIGTERM.
pub fn main(path: &Path, check: bool) -> ExitCode {
    let config = match Config::load(path) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{}: {e}", path.display());
            }
            eprintln!(
                "{}: {} error(s); the gateway was not started",
                path.display(),
                errors.0.len()
            );
            return ExitCode::FAILURE;
        }
    };
    if check {
        println!(
            "{}: ok: listen {}, {} route(s)",
            path.display(),
            config.listen,
            config.routes.len()
        );
        if let Some(tls) = &config.tls {
            match &tls.client_ca_path {
                Some(ca) => println!(
                    "  tls: certificate {}; client certificates required, issued by {ca}",
                    tls.cert_path
                ),
                None => println!("  tls: certificate {}", tls.cert_path),
            }
        }
        match &config.redis {
            Some(r) => println!(
                "  store: redis{} (prefix {:?}), shared by every process",
                if r.cluster { " cluster" } else { "" },
                r.prefix
            ),
            None => println!("  store: in memory (one process only)"),
        }
        for route in &config.routes {
            let sink = match &route.sink {
                config::SinkConfig::Http {
                    url, timeout, tls, ..
                } => match &tls.ca_path {
                    Some(ca) if url.scheme_str() == Some("https") => format!(
                        "http {url} (timeout {} ms, trusting {ca})",
                        timeout.as_millis()
                    ),
                    _ => format!("http {url} (timeout {} ms)", timeout.as_millis()),
                },
                config::SinkConfig::RedisStream { max_len, .. } => {
                    let prefix = config
                        .redis
                        .as_ref()
                        .map_or(hookproof::redis::DEFAULT_PREFIX, |r| r.prefix.as_str());
                    let trim = if *max_len > 0 {
                        format!(", MAXLEN ~ {max_len}")
                    } else {
                        String::new()
                    };
                    format!("redis stream {prefix}stream:{{{}}}{trim}", route.scope)
                }
            };
            println!("  {} -> {sink}, policy {}", route.path, route.policy.name());
        }
        for w in &config.warnings {
            println!("warning: {w}");
        }
        return ExitCode::SUCCESS;
    }
    init_logs(config.log_format, config.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(format: config::LogFormat, level: config::LogLevel) {
    let level = match level {
        config::LogLevel::Error => tracing::Level::ERROR,
        config::LogLevel::Warn => tracing::Level::WARN,
        config::LogLevel::Info => tracing::Level::INFO,
        config::LogLevel::Debug => tracing::Level::DEBUG,
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false);
    let _ = match format {
        config::LogFormat::Text => builder.try_init(),
        config::LogFormat::Json => builder.json().try_init(),
    };
}
