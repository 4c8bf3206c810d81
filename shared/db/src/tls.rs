//! TLS to Postgres, as the database URL asks for it with libpq's parameters:
//!
//! | `sslmode`                       | connection |
//! |---------------------------------|------------|
//! | unset, `disable`, `allow`, `prefer` | in clear (a connection that may fall back to clear text protects nothing: ask for `require` or stronger) |
//! | `require`                       | TLS; the server's certificate is not checked, unless `sslrootcert` names a CA, which it must then chain to (libpq's rule) |
//! | `verify-ca`                     | TLS; the certificate must chain to the CA in `sslrootcert` |
//! | `verify-full`                   | TLS; as `verify-ca`, and the certificate must name the URL's host |
//!
//! `sslrootcert` is a PEM file (required by `verify-ca` and `verify-full`). TLS is rustls with
//! ring, the same as the gRPC servers'. Both parameters are taken out of the URL before it
//! reaches the driver, which knows neither `verify-*` nor `sslrootcert`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};

/// How a database URL asks to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SslMode {
    /// In clear (`sslmode` unset, `disable`, `allow` or `prefer`).
    Disable,
    /// TLS, the certificate unchecked unless a root certificate is given.
    Require,
    /// TLS, the certificate chained to the root certificate.
    VerifyCa,
    /// TLS, the certificate chained to the root certificate and naming the host.
    VerifyFull,
}

/// A database URL split into what the driver reads and how TLS is to be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsUrl {
    /// The URL without `sslmode` and `sslrootcert`.
    pub url: String,
    /// The mode asked for.
    pub mode: SslMode,
    /// The root certificate file (`sslrootcert`), if any.
    pub root_cert: Option<String>,
}

/// Splits `url` into the driver's URL and its TLS parameters. The error names the parameter and
/// never quotes the URL (it holds the password).
pub fn parse(url: &str) -> Result<TlsUrl, String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut kept = Vec::new();
    let mut mode = None;
    let mut root_cert = None;
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => mode = Some(percent_decode(value)?),
            "sslrootcert" => root_cert = Some(percent_decode(value)?),
            _ if pair.is_empty() => {}
            _ => kept.push(pair),
        }
    }
    let mode = match mode.as_deref() {
        None | Some("disable" | "allow" | "prefer") => SslMode::Disable,
        Some("require") => SslMode::Require,
        Some("verify-ca") => SslMode::VerifyCa,
        Some("verify-full") => SslMode::VerifyFull,
        Some(other) => {
            return Err(format!(
                "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, \
                 verify-full"
            ));
        }
    };
    if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) && root_cert.is_none() {
        return Err(format!(
            "sslmode={} needs sslrootcert=<the CA's PEM file> to verify the server with",
            if mode == SslMode::VerifyCa {
                "verify-ca"
            } else {
                "verify-full"
            }
        ));
    }
    if root_cert.as_deref() == Some("system") {
        return Err(
            "sslrootcert=system is not supported: name the CA's PEM file (a managed database \
             publishes its CA bundle)"
                .into(),
        );
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(TlsUrl {
        url,
        mode,
        root_cert,
    })
}

fn percent_decode(value: &str) -> Result<String, String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| "a TLS parameter has a malformed %-escape".to_string())?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "a TLS parameter is not UTF-8".to_string())
}

/// Opens one connection to `url`, over TLS when it asks for it.
pub async fn connect(url: &str) -> Result<AsyncPgConnection, ConnectionError> {
    let tls = parse(url).map_err(ConnectionError::InvalidConnectionUrl)?;
    let mut config: tokio_postgres::Config = tls
        .url
        .parse()
        .map_err(|e: tokio_postgres::Error| ConnectionError::InvalidConnectionUrl(e.to_string()))?;
    let refused = |e: tokio_postgres::Error| {
        // The driver's own words for a TLS failure are terse ("error performing TLS handshake");
        // its source says what was wrong with the certificate.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        ConnectionError::BadConnection(message)
    };
    if tls.mode == SslMode::Disable {
        config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(refused)?;
        return AsyncPgConnection::try_from_client_and_connection(client, connection).await;
    }
    config.ssl_mode(tokio_postgres::config::SslMode::Require);
    let connector = Connector::new(&tls).map_err(ConnectionError::BadConnection)?;
    let (client, connection) = config.connect(connector).await.map_err(refused)?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Makes a TLS session per connection, verifying as the mode says.
#[derive(Clone)]
struct Connector {
    config: Arc<rustls::ClientConfig>,
}

impl Connector {
    fn new(tls: &TlsUrl) -> Result<Self, String> {
        let provider = provider();
        let roots = match &tls.root_cert {
            Some(path) => Some(Arc::new(root_store(path)?)),
            None => None,
        };
        let verifier: Arc<dyn ServerCertVerifier> = match (&tls.mode, roots) {
            (SslMode::VerifyFull, Some(roots)) => web_pki(roots, &provider)?,
            (SslMode::VerifyCa | SslMode::Require, Some(roots)) => Arc::new(ChainOnly {
                inner: web_pki(roots, &provider)?,
            }),
            (SslMode::Require, None) => Arc::new(Unverified {
                provider: provider.clone(),
            }),
            (mode, _) => return Err(format!("sslmode {mode:?} needs sslrootcert")),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Self {
            config: Arc::new(config),
        })
    }
}

fn root_store(path: &str) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("sslrootcert {path}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("sslrootcert {path}: {e}"))?;
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("sslrootcert {path}: no CA certificate in it"));
    }
    Ok(store)
}

fn web_pki(
    roots: Arc<RootCertStore>,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| format!("sslrootcert: {e}"))?;
    Ok(verifier)
}

/// `verify-ca`: the chain is checked, the name is not.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<dyn ServerCertVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `require` without a root certificate: encrypted, the server's certificate taken as it comes
/// (libpq's meaning of `require`); the handshake's signatures are still checked.
#[derive(Debug)]
struct Unverified {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl<S> MakeTlsConnect<S> for Connector
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type TlsConnect = SessionConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<SessionConnect, io::Error> {
        let name = ServerName::try_from(domain.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{domain}: {e}")))?;
        Ok(SessionConnect {
            connector: tokio_rustls::TlsConnector::from(self.config.clone()),
            name,
        })
    }
}

/// One connection's TLS handshake.
struct SessionConnect {
    connector: tokio_rustls::TlsConnector,
    name: ServerName<'static>,
}

impl<S> TlsConnect<S> for SessionConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<TlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let stream = self.connector.connect(self.name, stream).await?;
            Ok(TlsStream(stream))
        })
    }
}

/// A Postgres connection's TLS stream. It offers no channel binding: SCRAM then authenticates
/// without it, and the server is authenticated by its certificate (`verify-full`) instead.
pub struct TlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S> tokio_postgres::tls::TlsStream for TlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str) -> Result<(SslMode, Option<String>, String), String> {
        parse(url).map(|t| (t.mode, t.root_cert, t.url))
    }

    #[test]
    fn the_url_decides_the_mode() {
        let base = "postgres://app:pw@db:5432/onaltu";
        for (query, expected) in [
            ("", SslMode::Disable),
            ("?sslmode=disable", SslMode::Disable),
            ("?sslmode=allow", SslMode::Disable),
            ("?sslmode=prefer", SslMode::Disable),
            ("?sslmode=require", SslMode::Require),
            ("?sslmode=verify-ca&sslrootcert=/ca.pem", SslMode::VerifyCa),
            (
                "?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
                SslMode::VerifyFull,
            ),
        ] {
            let (mode, _, url) = mode(&format!("{base}{query}")).unwrap();
            assert_eq!(mode, expected, "{query}");
            assert_eq!(url, base, "{query}: the TLS parameters leave the URL");
        }
        let (_, root, _) = mode(&format!(
            "{base}?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem"
        ))
        .unwrap();
        assert_eq!(root.as_deref(), Some("/etc/ca.pem"));
    }

    #[test]
    fn other_parameters_stay_for_the_driver() {
        let (mode, root, url) = mode(
            "postgres://app@db/onaltu?options=-c%20search_path%3Dt&sslmode=require&sslrootcert=/ca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(mode, SslMode::Require);
        assert_eq!(root.as_deref(), Some("/ca.pem"));
        assert_eq!(
            url,
            "postgres://app@db/onaltu?options=-c%20search_path%3Dt&application_name=x"
        );
    }

    #[test]
    fn a_mode_that_cannot_be_honoured_is_refused_naming_the_parameter() {
        let secret = "postgres://app:hunter2@db/onaltu";
        for (query, expected) in [
            ("?sslmode=verify-full", "needs sslrootcert"),
            ("?sslmode=verify-ca", "needs sslrootcert"),
            ("?sslmode=required", "sslmode=required is not one of"),
            (
                "?sslmode=verify-full&sslrootcert=system",
                "sslrootcert=system",
            ),
            ("?sslmode=require&sslrootcert=%zz", "malformed"),
        ] {
            let err = mode(&format!("{secret}{query}")).unwrap_err();
            assert!(err.contains(expected), "{query}: {err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
