//! TLS: the listener's rustls server configuration (certificate chain and key from PEM files,
//! optionally a CA bundle whose client certificates the handshake requires: mutual TLS), and
//! the HTTP sink's client configuration (Mozilla's roots from `webpki-roots`, or exactly the
//! certificates of a private CA). rustls with the ring provider, TLS 1.2 and 1.3.
//!
//! Key material never leaves this module: a key file's text is zeroized after parsing, errors
//! about it never quote it, and the compiled types print only their file paths in `Debug`.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use zeroize::Zeroizing;

/// Largest PEM file read (certificate chain, key or CA bundle), in bytes.
pub const MAX_PEM_FILE_BYTES: u64 = 1024 * 1024;
/// Default `[tls] handshake_timeout_ms`: a TLS handshake must finish within this, or the
/// connection (and its slot under `max_connections`) is closed.
pub const DEFAULT_HANDSHAKE_TIMEOUT_MS: u64 = 5_000;

/// The listener's TLS settings, checked and compiled.
#[derive(Clone)]
pub struct ListenerTls {
    /// The rustls server configuration (certificate, key, client verifier).
    pub server: Arc<ServerConfig>,
    /// A handshake not finished by then closes its connection.
    pub handshake_timeout: Duration,
    /// `cert` as configured.
    pub cert_path: String,
    /// `client_ca` as configured: client certificates issued by it are required.
    pub client_ca_path: Option<String>,
}

impl fmt::Debug for ListenerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListenerTls")
            .field("cert", &self.cert_path)
            .field("key", &"[REDACTED]")
            .field("client_ca", &self.client_ca_path)
            .field("handshake_timeout", &self.handshake_timeout)
            .finish()
    }
}

/// A TLS client configuration for an HTTP sink.
#[derive(Clone)]
pub struct SinkTls {
    /// The rustls client configuration (roots; hostnames are verified).
    pub client: Arc<ClientConfig>,
    /// The sink's `ca`, if any (otherwise Mozilla's roots).
    pub ca_path: Option<String>,
}

impl fmt::Debug for SinkTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SinkTls")
            .field("ca", &self.ca_path.as_deref().unwrap_or("webpki-roots"))
            .finish()
    }
}

/// Which setting a TLS error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsField {
    /// `cert`.
    Cert,
    /// `key`.
    Key,
    /// `client_ca` (or a sink's `ca`).
    Ca,
}

/// A TLS setting that cannot be used: which one and why (never key material).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError {
    /// The setting at fault.
    pub field: TlsField,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TlsError {}

fn error(field: TlsField, message: impl Into<String>) -> TlsError {
    TlsError {
        field,
        message: message.into(),
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &str, field: TlsField) -> Result<Zeroizing<Vec<u8>>, TlsError> {
    use std::io::Read;
    let file = std::fs::File::open(Path::new(path))
        .map_err(|e| error(field, format!("cannot read {path}: {e}")))?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_PEM_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| error(field, format!("cannot read {path}: {e}")))?;
    if bytes.len() as u64 > MAX_PEM_FILE_BYTES {
        return Err(error(
            field,
            format!("{path} is larger than {MAX_PEM_FILE_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

/// Every `CERTIFICATE` block of a PEM file (other blocks are passed over); at least one.
fn certificates(path: &str, field: TlsField) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path, field)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(field, format!("{path} is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(error(
            field,
            format!("no certificate (-----BEGIN CERTIFICATE-----) in {path}"),
        ));
    }
    Ok(certs)
}

/// The first private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
fn private_key(path: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path, TlsField::Key)?;
    // The parser's error could quote the file; it is not shown.
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| {
        error(
            TlsField::Key,
            format!(
                "no readable private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY) in {path}"
            ),
        )
    })
}

fn roots(path: &str) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for (i, cert) in certificates(path, TlsField::Ca)?.into_iter().enumerate() {
        roots.add(cert).map_err(|e| {
            error(
                TlsField::Ca,
                format!("certificate #{} of {path} is not a usable CA: {e}", i + 1),
            )
        })?;
    }
    Ok(roots)
}

/// Reads `cert` (the chain, leaf first), `key`, and `client_ca` if given, and builds the
/// listener's configuration: with `client_ca`, the handshake requires a client certificate
/// issued by one of its certificates and fails otherwise.
pub fn listener(
    cert: &str,
    key: &str,
    client_ca: Option<&str>,
    handshake_timeout: Duration,
) -> Result<ListenerTls, Vec<TlsError>> {
    let mut errors = Vec::new();
    let chain = certificates(cert, TlsField::Cert).map_err(|e| errors.push(e));
    let key_der = private_key(key).map_err(|e| errors.push(e));
    let verifier = client_ca.map(|ca| {
        roots(ca).and_then(|roots| {
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| error(TlsField::Ca, format!("{ca}: {e}")))
        })
    });
    let verifier = match verifier {
        None => Ok(None),
        Some(Ok(v)) => Ok(Some(v)),
        Some(Err(e)) => {
            errors.push(e);
            Err(())
        }
    };
    let (Ok(chain), Ok(key_der), Ok(verifier)) = (chain, key_der, verifier) else {
        return Err(errors);
    };
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| vec![error(TlsField::Cert, e.to_string())])?;
    let builder = match verifier {
        Some(v) => builder.with_client_cert_verifier(v),
        None => builder.with_no_client_auth(),
    };
    let mut server = builder.with_single_cert(chain, key_der).map_err(|e| {
        let message = match e {
            rustls::Error::InconsistentKeys(_) => {
                format!("the key in {key} does not match the certificate in {cert}")
            }
            other => format!("the key in {key} cannot be used with {cert}: {other}"),
        };
        vec![error(TlsField::Key, message)]
    })?;
    // HTTP/1.1 only (as the plain listener): a client that offers ALPN gets `http/1.1`, one
    // that offers only `h2` a `no_application_protocol` alert instead of a protocol mismatch.
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ListenerTls {
        server: Arc::new(server),
        handshake_timeout,
        cert_path: cert.to_owned(),
        client_ca_path: client_ca.map(str::to_owned),
    })
}

/// A client configuration trusting exactly the certificates of `ca`, or Mozilla's roots
/// (`webpki-roots`) without it. Server names are verified against the URL's host.
pub fn sink(ca: Option<&str>) -> Result<SinkTls, TlsError> {
    let roots = match ca {
        Some(path) => roots(path)?,
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let client = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| error(TlsField::Ca, e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(SinkTls {
        client: Arc::new(client),
        ca_path: ca.map(str::to_owned),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair};

    struct Files(std::path::PathBuf);

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A self-signed certificate for `localhost`: its PEM path and its key's PEM path, and the
    /// key's text.
    fn self_signed(dir: &Path, stem: &str) -> (String, String, String) {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let (c, k) = (
            dir.join(format!("{stem}.crt")),
            dir.join(format!("{stem}.key")),
        );
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (
            c.display().to_string(),
            k.display().to_string(),
            key.serialize_pem(),
        )
    }

    fn dir(name: &str) -> Files {
        let dir = std::env::temp_dir().join(format!(
            "hookproof-gateway-tls-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Files(dir)
    }

    #[test]
    fn listener_debug_shows_paths_never_the_key() {
        let files = dir("debug");
        let (cert, key, key_text) = self_signed(&files.0, "a");
        let tls = listener(&cert, &key, Some(&cert), Duration::from_secs(1)).unwrap();
        let debug = format!("{tls:?}");
        assert!(
            debug.contains(&cert) && debug.contains("[REDACTED]"),
            "{debug}"
        );
        assert!(!debug.contains(&key), "{debug}");
        let body = key_text.lines().nth(1).unwrap();
        assert!(!debug.contains(body), "{debug}");
        let sink = sink(Some(&cert)).unwrap();
        assert_eq!(format!("{sink:?}"), format!("SinkTls {{ ca: {cert:?} }}"));
    }

    #[test]
    fn every_unusable_file_is_named_with_its_setting() {
        let files = dir("errors");
        let (cert, key, key_text) = self_signed(&files.0, "a");
        let (_, other_key, _) = self_signed(&files.0, "b");
        let missing = files.0.join("missing.pem").display().to_string();
        let field = |r: Result<ListenerTls, Vec<TlsError>>| -> Vec<(TlsField, String)> {
            r.unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.message))
                .collect()
        };
        let t = Duration::from_secs(1);
        let got = field(listener(&missing, &missing, Some(&missing), t));
        assert_eq!(
            got.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            [TlsField::Cert, TlsField::Key, TlsField::Ca],
            "{got:?}"
        );
        assert!(
            got.iter().all(|(_, m)| m.starts_with("cannot read")),
            "{got:?}"
        );
        let got = field(listener(&key, &cert, None, t));
        assert!(got[0].1.starts_with("no certificate"), "{got:?}");
        assert!(got[1].1.starts_with("no readable private key"), "{got:?}");
        let got = field(listener(&cert, &other_key, None, t));
        assert_eq!(got[0].0, TlsField::Key);
        assert!(got[0].1.contains("does not match"), "{got:?}");
        let body = key_text.lines().nth(1).unwrap();
        assert!(got.iter().all(|(_, m)| !m.contains(body)));
        assert!(
            sink(Some(&key))
                .unwrap_err()
                .message
                .starts_with("no certificate")
        );
    }
}
