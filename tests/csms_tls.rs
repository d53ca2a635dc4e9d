//! The `csms` example serving TLS as an operator runs it: certificates in PEM files made for
//! the test, `--listen-ocpp-tls` with a client CA and a revocation list, stations registered
//! through the admin API with security profiles 2 (TLS plus a password the API generates) and
//! 3 (a client certificate naming the station), and the simulated station charging over
//! `wss://` with `--ca`, `--password`, `--cert` and `--key`. Each profile is admitted only
//! with what it requires.

#[path = "csms/common.rs"]
mod common;

use std::path::{Path, PathBuf};

use common::{Csms, TempDir, charge};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason,
    RevokedCertParams, SanType, SerialNumber,
};
use serde_json::json;

/// A certificate authority writing what it issues as PEM files into a directory.
struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
    dir: PathBuf,
}

impl Authority {
    fn new(name: &str, dir: &Path) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.distinguished_name.push(DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Authority {
            issuer,
            dir: dir.to_owned(),
        }
    }

    /// Writes the authority's own certificate to `file`.
    fn write_root(&self, file: &str) -> String {
        self.write(file, &self.issuer.pem())
    }

    /// Issues a certificate (`server`: for the CSMS at localhost; else a station's client
    /// certificate with common name `name`), numbered `serial`; writes `NAME.pem` and
    /// `NAME.key`, returns their paths.
    fn issue(&self, name: &str, serial: u64, server: bool) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.serial_number = Some(SerialNumber::from(serial));
        if server {
            params.subject_alt_names = vec![SanType::DnsName("localhost".try_into().unwrap())];
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        } else {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        }
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        (
            self.write(&format!("{name}.pem"), &certificate.pem()),
            self.write(&format!("{name}.key"), &key.serialize_pem()),
        )
    }

    /// Writes a revocation list of the certificates numbered `serials` to `file`.
    fn revoke(&self, serials: &[u64], file: &str) -> String {
        let params = CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(2025, 1, 1),
            next_update: rcgen::date_time_ymd(2099, 1, 1),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|&serial| RevokedCertParams {
                    serial_number: SerialNumber::from(serial),
                    revocation_time: rcgen::date_time_ymd(2025, 1, 1),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.issuer).unwrap();
        self.write(file, &crl.pem().unwrap())
    }

    fn write(&self, file: &str, pem: &str) -> String {
        let path = self.dir.join(file);
        std::fs::write(&path, pem).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

fn succeeded(output: &std::process::Output) -> bool {
    output.status.success()
}

#[test]
fn stations_of_profiles_2_and_3_charge_over_tls_and_nothing_less_gets_in() {
    let dir = TempDir::new("csms-tls");
    let authority = Authority::new("Operator CA", dir.path());
    let ca = authority.write_root("ca.pem");
    let (server_cert, server_key) = authority.issue("csms", 1, true);
    let (cp3_cert, cp3_key) = authority.issue("CP-3", 3, false);
    let (cp4_cert, cp4_key) = authority.issue("CP-4", 4, false);
    let (cp5_cert, cp5_key) = authority.issue("CP-5", 666, false);
    let crl = authority.revoke(&[666], "revoked.pem");
    let rogue = Authority::new("Rogue CA", &dir.path().join("rogue"));
    std::fs::create_dir_all(dir.path().join("rogue")).unwrap();
    let (rogue_cert, rogue_key) = rogue.issue("CP-3", 3, false);

    let (csms, api) = Csms::start_demo(
        &dir,
        &[
            "--listen-ocpp-tls",
            "127.0.0.1:0",
            "--tls-cert",
            &server_cert,
            "--tls-key",
            &server_key,
            "--tls-client-ca",
            &ca,
            "--tls-crl",
            &crl,
        ],
    );
    let tenant = csms.demo_tenant();
    let tls_port = csms
        .ocpp_tls
        .as_deref()
        .and_then(|addr| addr.rsplit(':').next())
        .expect("the TLS listener's address")
        .to_owned();
    let secure = format!("wss://localhost:{tls_port}/ocpp/{tenant}");
    let plain = csms.ocpp_url.clone();

    // Profile 2: registered without a password, which the API then generates, once.
    let cp2 = api
        .post(
            "/stations",
            &json!({"identity": "CP-2", "security_profile": 2}),
        )
        .expect(201);
    let generated = api
        .post(&format!("/stations/{}/password", cp2["id"]), &json!({}))
        .expect(200);
    let password = generated["password"].as_str().unwrap().to_owned();
    for identity in ["CP-3", "CP-4", "CP-5"] {
        api.post(
            "/stations",
            &json!({"identity": identity, "security_profile": 3}),
        )
        .expect(201);
    }

    // Profile 2 over TLS with its password charges; without TLS, or with another password,
    // it does not get in.
    let with = |extra: &[&str]| -> Vec<String> { extra.iter().map(|s| s.to_string()).collect() };
    let run = |url: &str, identity: &str, version: &str, extra: Vec<String>| {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        charge(url, identity, version, "DEMOTAG1", &extra)
    };
    let output = run(
        &secure,
        "CP-2",
        "2.0.1",
        with(&["--password", &password, "--ca", &ca]),
    );
    assert!(
        succeeded(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = run(&plain, "CP-2", "2.0.1", with(&["--password", &password]));
    assert!(!succeeded(&output), "profile 2 needs TLS");
    let wrong = "0123456789abcdef0123456789abcdef";
    let output = run(
        &secure,
        "CP-2",
        "2.0.1",
        with(&["--password", wrong, "--ca", &ca]),
    );
    assert!(!succeeded(&output), "profile 2 needs its password");

    // Profile 3 with its certificate charges; a password, another station's certificate, a
    // revoked one, or one of another authority does not get in.
    let certified = |cert: &str, key: &str| with(&["--ca", &ca, "--cert", cert, "--key", key]);
    let output = run(&secure, "CP-3", "1.6", certified(&cp3_cert, &cp3_key));
    assert!(
        succeeded(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = run(
        &secure,
        "CP-3",
        "1.6",
        with(&["--password", &password, "--ca", &ca]),
    );
    assert!(!succeeded(&output), "profile 3 needs a certificate");
    let output = run(&secure, "CP-3", "1.6", certified(&cp4_cert, &cp4_key));
    assert!(!succeeded(&output), "CP-4's certificate is not CP-3's");
    let output = run(&secure, "CP-5", "1.6", certified(&cp5_cert, &cp5_key));
    assert!(!succeeded(&output), "CP-5's certificate is revoked");
    let output = run(&secure, "CP-3", "1.6", certified(&rogue_cert, &rogue_key));
    assert!(!succeeded(&output), "the rogue authority is not trusted");

    // Exactly the two admitted stations charged.
    let sessions = api.get("/sessions").expect(200);
    assert_eq!(sessions["total"], 2, "{sessions:#}");
}
