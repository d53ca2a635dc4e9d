//! Entry point for fuzzing the reading of OCPI request bodies.
//!
//! Not part of the supported API (hidden from the documentation, may change in any release):
//! the `ocpi_body` target of the `fuzz/` crate calls it, and so does the test that replays its
//! committed corpus.

use serde_json::Value;

use crate::Mode;
use crate::check::{Version, check_json, check_value, object_type};

/// The objects a partner sends in request bodies (PUT, PATCH and POST of the modules a CPO
/// or eMSP receives, and the credentials handshake).
pub const OBJECTS: [&str; 6] = [
    "Token",
    "Location",
    "Session",
    "Cdr",
    "Tariff",
    "Credentials",
];

/// Reads `data` as a body holding each of [`OBJECTS`] in OCPI 2.2.1 and 2.1.1, in strict and
/// lenient mode: decoded and validated ([`ObjectType::decode`](crate::check::ObjectType::decode)),
/// checked as a payload ([`check_value`]: an object, a list or a response envelope), and, when
/// decoded, encoded and decoded again. Returns how many (object, version, mode) decoded.
///
/// Panics when a decoded object, written back, does not decode again to the same encoding,
/// when [`check_value`] refuses an object that decoded without errors, or when the text
/// checker and the value checker disagree.
pub fn request_body(data: &[u8]) -> usize {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return 0;
    };
    let text = std::str::from_utf8(data).expect("JSON is UTF-8");
    let mut decoded = 0;
    for version in Version::ALL {
        for name in OBJECTS {
            let object = object_type(version, name).expect("a known object");
            for mode in [Mode::Strict, Mode::Lenient] {
                let reports = check_value(object, mode, &value);
                assert_eq!(
                    check_json(version, name, mode, text).expect("a known object"),
                    reports
                );
                let Ok((encoded, report)) = object.decode(&value, mode, "$") else {
                    continue;
                };
                decoded += 1;
                if report.is_ok() && !crate::check::is_envelope(&value) {
                    assert!(
                        reports.iter().all(|r| r.ok),
                        "{version} {name}: decoded without errors, refused by the checker: \
                         {reports:?}"
                    );
                }
                let (again, _) = object.decode(&encoded, mode, "$").unwrap_or_else(|error| {
                    panic!("{version} {name}: written back as {encoded}, fails: {error}")
                });
                assert_eq!(again, encoded, "{version} {name} changes when read back");
            }
        }
    }
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_decodes_in_both_versions() {
        let token = br#"{"country_code": "DE", "party_id": "TNM", "uid": "012345678",
            "type": "RFID", "contract_id": "DE8ACC12E46L89", "issuer": "TheNewMotion",
            "valid": true, "whitelist": "ALLOWED", "last_updated": "2018-12-10T17:25:10Z",
            "auth_id": "DE8ACC12E46L89"}"#;
        assert!(request_body(token) >= 2);
        assert_eq!(request_body(b"{"), 0);
    }
}
