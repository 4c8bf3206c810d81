//! Which service a caller is, by its TLS client certificate. A service's certificate names it as
//! a DNS name (`rating`, and `rating.<namespace>.svc`, as cert-manager issues it for the
//! Service of that name); a token whose subject is `service:<name>` is only believed from a peer
//! whose certificate names `<name>`, so a stolen service token is useless without that
//! service's private key as well.
//!
//! The name is checked the way a TLS client checks a server's name (the certificate's subject
//! alternative names, no wildcard standing for a single label), by the same `webpki` that rustls
//! verifies certificates with: no other X.509 parser is needed.

use rustls_pki_types::{CertificateDer, ServerName};

/// The subject prefix of the services' own tokens (`service:rating`).
pub const SERVICE_SUBJECT_PREFIX: &str = "service:";

/// The service a token subject names (`service:rating` -> `rating`), if it is a service's.
pub fn service_of_subject(subject: &str) -> Option<&str> {
    subject
        .strip_prefix(SERVICE_SUBJECT_PREFIX)
        .filter(|name| !name.is_empty())
}

/// Whether the peer's end-entity certificate (the first of `certs`) names `service` as a DNS
/// name. An unparsable certificate, or a name that is no DNS name, names nothing.
pub fn certificate_names(certs: &[CertificateDer<'_>], service: &str) -> bool {
    let Some(leaf) = certs.first() else {
        return false;
    };
    let Ok(name) = ServerName::try_from(service) else {
        return false;
    };
    if !matches!(name, ServerName::DnsName(_)) {
        return false;
    }
    match webpki::EndEntityCert::try_from(leaf) {
        Ok(cert) => cert.verify_is_valid_for_subject_name(&name).is_ok(),
        Err(_) => false,
    }
}

/// Why a call's service token is not believed, or `None` when it may be: a subject that is not a
/// service's needs no certificate; a service's needs the peer certificate to name that service.
pub fn service_token_problem(
    subject: &str,
    peer_certs: Option<&[CertificateDer<'_>]>,
) -> Option<String> {
    let service = service_of_subject(subject)?;
    match peer_certs {
        Some(certs) if certificate_names(certs, service) => None,
        Some(_) => Some(format!(
            "a token of {subject} is accepted only over a connection whose client certificate \
             names {service}"
        )),
        None => Some(format!(
            "a token of {subject} is accepted only over mutual TLS, with {service}'s certificate"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(names: &[&str]) -> CertificateDer<'static> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(names)
            .unwrap()
            .self_signed(&key)
            .unwrap();
        cert.der().clone()
    }

    #[test]
    fn a_service_subject_names_its_service() {
        assert_eq!(service_of_subject("service:rating"), Some("rating"));
        assert_eq!(service_of_subject("service:"), None);
        assert_eq!(service_of_subject("9f1c-citizen"), None);
    }

    #[test]
    fn the_certificate_must_name_the_service_exactly() {
        let rating = [certificate(&["rating", "rating.onaltu.svc"])];
        assert!(certificate_names(&rating, "rating"));
        assert!(!certificate_names(&rating, "feedback"));
        assert!(!certificate_names(&rating, "ratin"));
        // A wildcard never stands for a bare service name.
        let wildcard = [certificate(&["*.onaltu.svc"])];
        assert!(!certificate_names(&wildcard, "rating"));
        assert!(!certificate_names(&[], "rating"));
        assert!(!certificate_names(
            &[CertificateDer::from(vec![1, 2, 3])],
            "rating"
        ));
    }

    #[test]
    fn only_service_tokens_need_the_certificate() {
        let feedback = [certificate(&["feedback"])];
        assert_eq!(service_token_problem("citizen-1", None), None);
        assert_eq!(service_token_problem("citizen-1", Some(&feedback)), None);
        assert_eq!(
            service_token_problem("service:feedback", Some(&feedback)),
            None
        );
        let stolen = service_token_problem("service:rating", Some(&feedback)).unwrap();
        assert!(stolen.contains("names rating"), "{stolen}");
        let plain = service_token_problem("service:rating", None).unwrap();
        assert!(plain.contains("mutual TLS"), "{plain}");
    }
}
