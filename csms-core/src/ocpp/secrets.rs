//! Which station settings are secrets, and how they are kept out of the audit log, the logs
//! and the kept configuration.
//!
//! [`is_secret_setting`] is the one rule: a 1.6 configuration key or a 2.x device-model
//! variable is secret when OCPP defines it as a credential (1.6 `AuthorizationKey`, 2.0.1
//! and 2.1 `SecurityCtrlr.BasicAuthPassword`, the passwords and keys of network profiles)
//! or when its name says it is one (`…Password`, `…Secret`, `…PrivateKey`, `…Passphrase`,
//! as vendor keys such as `WifiPassword` are named). Their values are replaced by
//! [`REDACTED`] in JSON ([`redact_json`], which knows the shapes of commands and of the OCPP
//! messages that carry settings) and dropped from kept settings ([`redact_keys`],
//! [`redact_variables`]).

use serde_json::Value;

use crate::model::{ConfigurationKey, VariableValue};

/// What a secret value is replaced with in JSON.
pub const REDACTED: &str = "<redacted>";

/// Names OCPP gives to credentials, lowercase: 1.6 `AuthorizationKey` (security
/// whitepaper), 2.0.1/2.1 `BasicAuthPassword` (`SecurityCtrlr`, and 2.1's
/// `NetworkConfiguration`), and the APN and VPN credentials of network profiles.
const SECRET_NAMES: &[&str] = &[
    "authorizationkey",
    "basicauthpassword",
    "apnpassword",
    "vpnpassword",
    "vpnkey",
    "vpnsharedsecret",
];

/// Parts of a name that make it a credential whatever the key or variable is called.
const SECRET_PARTS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "privatekey",
    "authkey",
    "apikey",
];

/// Whether the 1.6 configuration key `name` (`component` absent), or the 2.x variable `name`
/// of `component`, holds a secret whose value must not be kept or shown in clear.
///
/// The variable name decides in every component: OCPP names its credentials the same
/// wherever they live (2.1 has `BasicAuthPassword` in `SecurityCtrlr` and in network
/// configuration slots). The comparison ignores case, `_` and `-`.
pub fn is_secret_setting(component: Option<&str>, name: &str) -> bool {
    // Every component's credentials are named by the variable (see above).
    let _ = component;
    let normalized: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_NAMES.contains(&normalized.as_str())
        || SECRET_PARTS.iter().any(|part| normalized.contains(part))
}

/// Replaces, in place, every secret value in `value`: a command, a CommandResult or an OCPP
/// message as JSON, at any depth.
///
/// It knows these shapes:
/// - an object with a `key` (1.6 `ChangeConfiguration`, `GetConfiguration.conf` entries):
///   its `value`;
/// - an object with a `variable` (a name, or an object with a `name`), and perhaps a
///   `component`: its `value` (commands), `attributeValue` (2.x GetVariables,
///   SetVariables) and the `value` of each of its `variableAttribute` (NotifyReport);
/// - any member whose own name is a secret's (`basicAuthPassword`, `apnPassword`,
///   `password` of SetNetworkProfile).
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::Object(object) => {
            let name_of = |member: Option<&Value>| -> Option<String> {
                match member? {
                    Value::String(name) => Some(name.clone()),
                    Value::Object(inner) => inner.get("name")?.as_str().map(str::to_owned),
                    _ => None,
                }
            };
            let component = name_of(object.get("component"));
            let setting = name_of(object.get("variable")).or_else(|| name_of(object.get("key")));
            if setting.is_some_and(|name| is_secret_setting(component.as_deref(), &name)) {
                for member in ["value", "attributeValue"] {
                    if let Some(secret) = object.get_mut(member) {
                        redact_value(secret);
                    }
                }
                if let Some(Value::Array(attributes)) = object.get_mut("variableAttribute") {
                    for attribute in attributes {
                        if let Some(secret) = attribute.get_mut("value") {
                            redact_value(secret);
                        }
                    }
                }
            }
            for (member, inner) in object.iter_mut() {
                if inner.is_string() && is_secret_setting(None, member) {
                    redact_value(inner);
                } else {
                    redact_json(inner);
                }
            }
        }
        _ => {}
    }
}

/// A present value becomes [`REDACTED`]; an absent one (`null`) stays absent.
fn redact_value(value: &mut Value) {
    if !value.is_null() {
        *value = Value::String(REDACTED.to_owned());
    }
}

/// Drops the values of secret 1.6 keys: the key is kept (it was set, or reported, then), its
/// value is not.
pub fn redact_keys(keys: &mut [ConfigurationKey]) {
    for key in keys {
        if is_secret_setting(None, &key.key) {
            key.value = None;
        }
    }
}

/// Drops the values of secret 2.x variables, keeping that they were set or reported.
pub fn redact_variables(variables: &mut [VariableValue]) {
    for variable in variables {
        if is_secret_setting(Some(&variable.key.component), &variable.key.variable) {
            variable.value = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_credentials_and_credential_names_are_secret() {
        assert!(is_secret_setting(None, "AuthorizationKey"));
        assert!(is_secret_setting(
            Some("SecurityCtrlr"),
            "BasicAuthPassword"
        ));
        assert!(is_secret_setting(
            Some("NetworkConfiguration"),
            "BasicAuthPassword"
        ));
        assert!(is_secret_setting(None, "wifi_password"));
        assert!(is_secret_setting(Some("Vendor"), "MqttClientSecret"));
        assert!(is_secret_setting(Some("Vendor"), "TlsPrivateKey"));
        for plain in [
            "HeartbeatInterval",
            "SecurityProfile",
            "Identity",
            "OrganizationName",
            "AuthorizeRemoteTxRequests",
            "LocalAuthListEnabled",
            "publicKey",
            "issuerKeyHash",
        ] {
            assert!(!is_secret_setting(Some("SecurityCtrlr"), plain), "{plain}");
        }
    }

    #[test]
    fn secret_values_are_redacted_in_every_known_shape() {
        let mut value = json!({
            "request": {"command": "set_variables", "variables": [
                {"component": "SecurityCtrlr", "variable": "BasicAuthPassword", "value": "hunter2hunter2hunter2"},
                {"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "60"},
                {"variable": "AuthorizationKey", "value": "0011223344556677"}
            ]},
            "v16": {"configurationKey": [
                {"key": "AuthorizationKey", "value": "0011223344556677", "readonly": false},
                {"key": "HeartbeatInterval", "value": "300", "readonly": false}
            ]},
            "v201": {"getVariableResult": [{
                "attributeStatus": "Accepted",
                "attributeValue": "hunter2hunter2hunter2",
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"}
            }]},
            "report": {"reportData": [{
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "variableAttribute": [{"value": "hunter2hunter2hunter2"}]
            }]},
            "profile": {"connectionData": {"basicAuthPassword": "hunter2hunter2hunter2",
                        "apn": {"apnPassword": "apn secret", "apn": "internet"}}}
        });
        redact_json(&mut value);
        let text = value.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("0011223344556677"), "{text}");
        assert!(!text.contains("apn secret"), "{text}");
        assert_eq!(value["request"]["variables"][1]["value"], "60");
        assert_eq!(value["v16"]["configurationKey"][1]["value"], "300");
        assert_eq!(value["v16"]["configurationKey"][0]["value"], REDACTED);
        assert_eq!(value["profile"]["connectionData"]["apn"]["apn"], "internet");
    }
}
