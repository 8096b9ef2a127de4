//! A certificate authority made by the test: its certificate (what a site gives Portdesk as
//! "trusted certificates") and a server certificate it signed, for real TLS servers.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

pub struct TestCa {
    dir: tempfile::TempDir,
    /// The CA's certificate, PEM: the site's trusted-certificates file.
    pub ca_pem: PathBuf,
    /// The server's certificate (PEM) and its key (PEM, PKCS#8).
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub ca_der: Vec<u8>,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p.distinguished_name
        .push(DnType::OrganizationName, "Harbour Logistics");
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

impl TestCa {
    /// A CA and a server certificate for `hosts` (DNS names or IP addresses).
    pub fn new(hosts: &[&str]) -> TestCa {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params("Harbour Test Root CA");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::from_params(&ca, &ca_key);
        let key = KeyPair::generate().unwrap();
        let mut server =
            CertificateParams::new(hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>())
                .unwrap();
        server.distinguished_name.push(DnType::CommonName, hosts[0]);
        server.is_ca = IsCa::ExplicitNoCa;
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let server_cert = server.signed_by(&key, &issuer).unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        TestCa {
            ca_pem: write("site-ca.pem", &ca_cert.pem()),
            server_cert: write("server.pem", &server_cert.pem()),
            server_key: write("server.key", &key.serialize_pem()),
            ca_der: ca_cert.der().to_vec(),
            dir,
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A CA certificate whose validity ended in 2020.
    pub fn expired_ca(&self) -> PathBuf {
        let key = KeyPair::generate().unwrap();
        let mut p = ca_params("Harbour Old Root CA");
        p.not_before = rcgen::date_time_ymd(2015, 1, 1);
        p.not_after = rcgen::date_time_ymd(2020, 1, 1);
        let cert = p.self_signed(&key).unwrap();
        let path = self.dir.path().join("expired-ca.pem");
        std::fs::write(&path, cert.pem()).unwrap();
        path
    }
}
