//! Certificates made at test time, as cert-manager issues them in the cluster: a CA, and per
//! service a certificate naming the service (and `localhost`, `127.0.0.1` where it serves), for
//! server and client authentication, each written as PEM files into a temporary directory that
//! lives as long as the [`Pki`].

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// A certificate authority and the files of what it issued.
pub struct Pki {
    dir: tempfile::TempDir,
    issuer: CertifiedIssuer<'static, KeyPair>,
    ca_path: PathBuf,
}

/// One issued certificate and its key, as files.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The certificate (PEM).
    pub cert_path: String,
    /// Its private key (PEM, PKCS#8).
    pub key_path: String,
    /// The certificate (PEM).
    pub cert_pem: String,
    /// The key (PEM).
    pub key_pem: String,
}

impl Pki {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().expect("a directory for the certificates");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("a CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("a CA certificate");
        let ca_path = dir.path().join("ca.crt");
        std::fs::write(&ca_path, issuer.pem()).expect("write ca.crt");
        Self {
            dir,
            issuer,
            ca_path,
        }
    }

    /// The CA certificate file (cert-manager's `ca.crt`).
    pub fn ca_path(&self) -> &str {
        self.ca_path.to_str().expect("a UTF-8 temporary path")
    }

    /// The directory the files are in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A certificate for `names` (DNS names or IP addresses; the first is also the common
    /// name), for server and client authentication, written as `<first name>.crt` and `.key`.
    pub fn issue(&self, names: &[&str]) -> Issued {
        let first = names.first().copied().unwrap_or("unnamed");
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("certificate parameters");
        params.distinguished_name.push(DnType::CommonName, first);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().expect("a key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("a signed certificate");
        let cert_path = self.dir.path().join(format!("{first}.crt"));
        let key_path = self.dir.path().join(format!("{first}.key"));
        let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
        std::fs::write(&cert_path, &cert_pem).expect("write the certificate");
        std::fs::write(&key_path, &key_pem).expect("write the key");
        Issued {
            cert_path: cert_path.to_str().expect("a UTF-8 path").to_string(),
            key_path: key_path.to_str().expect("a UTF-8 path").to_string(),
            cert_pem,
            key_pem,
        }
    }
}
