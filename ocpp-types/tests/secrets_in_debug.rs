//! `Debug` never prints a secret a message carries: network profile passwords, the SIM PIN,
//! the VPN's shared key.

use ocpp_types::{v21, v201};
use serde_json::json;

fn profile() -> serde_json::Value {
    json!({
        "configurationSlot": 1,
        "connectionData": {
            "ocppVersion": "OCPP20",
            "ocppTransport": "JSON",
            "ocppCsmsUrl": "wss://csms.example.com/ocpp/1",
            "messageTimeout": 30,
            "securityProfile": 2,
            "ocppInterface": "Wireless0",
            "apn": {
                "apn": "internet.example",
                "apnUserName": "user",
                "apnPassword": "apn-secret-1",
                "simPin": 4321,
                "apnAuthentication": "CHAP"
            },
            "vpn": {
                "server": "vpn.example.com",
                "user": "station",
                "password": "vpn-secret-2",
                "key": "vpn-shared-key-3",
                "type": "IPSec"
            }
        }
    })
}

#[test]
fn network_profile_secrets_are_not_in_debug() {
    let request: v201::SetNetworkProfileRequest =
        serde_json::from_value(profile()).expect("a 2.0.1 profile");
    let shown = format!("{request:?}");
    for secret in ["apn-secret-1", "4321", "vpn-secret-2", "vpn-shared-key-3"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("<redacted>") && shown.contains("vpn.example.com"));

    let mut profile = profile();
    profile["connectionData"]["ocppVersion"] = json!("OCPP21");
    profile["connectionData"]["basicAuthPassword"] = json!("basic-secret-4");
    let request: v21::SetNetworkProfileRequest =
        serde_json::from_value(profile).expect("a 2.1 profile");
    let shown = format!("{request:?}");
    for secret in [
        "apn-secret-1",
        "vpn-secret-2",
        "vpn-shared-key-3",
        "basic-secret-4",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
