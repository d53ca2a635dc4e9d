//! Authorizing a roaming partner's token at one of our stations: from the token the partner
//! pushed and its whitelist rule, and by real-time authorization at the partner
//! (`POST {tokens}/{uid}/authorize`) where the rule asks for it.
//!
//! [`plan`] is the decision on the stored token alone, without I/O:
//!
//! | stored token | decision |
//! | --- | --- |
//! | not `valid` | refused (`Invalid`) |
//! | `ALWAYS`, `ALLOWED` | accepted from the stored token |
//! | `ALLOWED_OFFLINE` | ask the partner; accepted from the stored token when it cannot be reached |
//! | `NEVER` | ask the partner; refused when it cannot be reached |
//!
//! The partner's answer decides when there is one ([`from_partner`]): `ALLOWED` accepts,
//! `BLOCKED`, `EXPIRED`, `NO_CREDIT` and `NOT_ALLOWED` refuse with the matching status. A
//! partner that answers that it does not know the token (HTTP 404, or OCPI status 2004
//! Unknown Token: [`unknown_token`]) has answered too: the token is refused (`Invalid`),
//! whatever its rule; only a partner that gives no answer leaves the decision to the rule.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ocpi_server::{Auth, ClientConfig, ClientError, OcpiClient, encoding_for};
use ocpi_types::common::StatusCode;
use ocpi_types::v221::VersionNumber;
use ocpi_types::v221::tokens::{AllowedType, AuthorizationInfo, Token, WhitelistType};
use serde_json::json;

use crate::model::{RoamingToken, Station};
use crate::ocpp::authorize::{AuthStatus, Authorization, SessionLimit};
use crate::store::{Store, StoreResult};

/// What the stored token says, before any partner is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Decided from the stored token.
    Decided(Authorization),
    /// Ask the partner; when it cannot be reached, `unreachable` decides.
    AskPartner {
        /// The decision when the partner does not answer.
        unreachable: Authorization,
    },
}

fn with_status(status: AuthStatus, token: &Token) -> Authorization {
    Authorization {
        status,
        failed: None,
        expires_at: None,
        group: token
            .group_id
            .as_ref()
            .map(|group| group.as_str().to_owned()),
        limit: SessionLimit::default(),
    }
}

/// The decision on a stored token alone.
pub fn plan(token: &Token) -> Plan {
    if !token.valid {
        return Plan::Decided(with_status(AuthStatus::Invalid, token));
    }
    match token.whitelist {
        WhitelistType::Always | WhitelistType::Allowed => {
            Plan::Decided(with_status(AuthStatus::Accepted, token))
        }
        WhitelistType::AllowedOffline => Plan::AskPartner {
            unreachable: with_status(AuthStatus::Accepted, token),
        },
        // NEVER, and rules this version does not know: only the partner may say yes.
        _ => Plan::AskPartner {
            unreachable: with_status(AuthStatus::Invalid, token),
        },
    }
}

/// The decision the partner's real-time answer gives.
pub fn from_partner(info: &AuthorizationInfo, token: &Token) -> Authorization {
    let status = match info.allowed {
        AllowedType::Allowed => AuthStatus::Accepted,
        AllowedType::Blocked => AuthStatus::Blocked,
        AllowedType::Expired => AuthStatus::Expired,
        AllowedType::NoCredit => AuthStatus::NoCredit,
        AllowedType::NotAllowed => AuthStatus::NotAtThisLocation,
        _ => AuthStatus::Invalid,
    };
    with_status(status, token)
}

/// `true` when a real-time authorization failed because the partner does not know the
/// token: it answered HTTP 404 or OCPI status 2004 (mod_tokens, the Sender's POST method).
pub fn unknown_token(error: &ClientError) -> bool {
    error.http_status() == Some(404) || error.status_code() == Some(StatusCode::UnknownToken)
}

/// What asking a partner in real time gave.
enum Asked {
    /// Its answer.
    Answer(Box<AuthorizationInfo>),
    /// It does not know the token.
    UnknownToken,
    /// No answer: not reachable, no endpoint or token to call it with, an answer that is
    /// not one.
    NoAnswer,
}

/// The decision once the partner was asked: its answer, a refusal when it does not know
/// the token, else `unreachable` (the rule's decision for a partner that cannot be reached).
fn after_asking(asked: Asked, unreachable: Authorization, token: &Token) -> Authorization {
    match asked {
        Asked::Answer(info) => from_partner(&info, token),
        Asked::UnknownToken => with_status(AuthStatus::Invalid, token),
        Asked::NoAnswer => unreachable,
    }
}

/// How long a station's authorization waits for a partner's real-time answer.
pub const REAL_TIME_TIMEOUT: Duration = Duration::from_secs(5);

/// Authorizes partners' tokens, asking partners in real time where the rule says so.
#[derive(Debug, Default)]
pub struct RoamingAuthorizer {
    client: OnceLock<Option<OcpiClient>>,
}

impl RoamingAuthorizer {
    /// An authorizer; its HTTP client is made on first use.
    pub fn new() -> RoamingAuthorizer {
        RoamingAuthorizer::default()
    }

    fn client(&self) -> Option<&OcpiClient> {
        self.client
            .get_or_init(|| {
                let mut config = ClientConfig::default();
                config.timeout = REAL_TIME_TIMEOUT;
                config.connect_timeout = REAL_TIME_TIMEOUT;
                // A driver waits at the station: one attempt.
                config.max_retries = 0;
                OcpiClient::new(config)
                    .inspect_err(|error| tracing::warn!(%error, "no OCPI client"))
                    .ok()
            })
            .as_ref()
    }

    /// The decision on `uid` presented at `station` by a partner's token, `None` when no
    /// partner pushed a token of that uid.
    pub async fn authorize<S: Store + ?Sized>(
        &self,
        store: &Arc<S>,
        station: &Station,
        uid: &str,
    ) -> StoreResult<Option<Authorization>> {
        let tokens = store.roaming_tokens_by_uid(station.tenant_id, uid).await?;
        let Some(roaming) = tokens.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(match plan(&roaming.token) {
            Plan::Decided(decision) => decision,
            Plan::AskPartner { unreachable } => {
                let asked = self.ask(store, station, &roaming).await?;
                after_asking(asked, unreachable, &roaming.token)
            }
        }))
    }

    /// The partner's real-time answer for `roaming`.
    async fn ask<S: Store + ?Sized>(
        &self,
        store: &Arc<S>,
        station: &Station,
        roaming: &RoamingToken,
    ) -> StoreResult<Asked> {
        let Some(partner) = store.partner(roaming.tenant_id, roaming.partner_id).await? else {
            return Ok(Asked::NoAnswer);
        };
        let endpoint = partner
            .endpoints
            .iter()
            .find(|e| e.module == "tokens" && (e.role.is_empty() || e.role == "SENDER"));
        let (Some(endpoint), Some(their_token), Some(client)) =
            (endpoint, partner.their_token.as_deref(), self.client())
        else {
            return Ok(Asked::NoAnswer);
        };
        let version: VersionNumber = partner
            .version
            .as_deref()
            .and_then(|v| serde_json::from_value(json!(v)).ok())
            .unwrap_or(VersionNumber::V2_2_1);
        let auth = Auth::new(their_token, encoding_for(&version));
        let token_type = serde_json::to_value(&roaming.token.r#type)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_else(|| "RFID".to_owned());
        let url = format!(
            "{}/{}/authorize?type={token_type}",
            endpoint.url.trim_end_matches('/'),
            roaming.token.uid.as_str()
        );
        let body = station
            .location_id
            .map(|location| json!({ "location_id": location.to_string(), "evse_uids": [] }));
        let answer = match &body {
            Some(body) => client.post::<_, AuthorizationInfo>(&url, &auth, body).await,
            None => {
                client
                    .post::<_, AuthorizationInfo>(&url, &auth, &json!(null))
                    .await
            }
        };
        match answer {
            Ok(Some(info)) => Ok(Asked::Answer(Box::new(info))),
            Ok(None) => Ok(Asked::NoAnswer),
            Err(error) if unknown_token(&error) => Ok(Asked::UnknownToken),
            Err(error) => {
                tracing::warn!(partner = partner.id.0, %error, "real-time authorization failed");
                Ok(Asked::NoAnswer)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(valid: bool, whitelist: &str) -> Token {
        serde_json::from_value(json!({
            "country_code": "DE", "party_id": "EMP", "uid": "0102030405", "type": "RFID",
            "contract_id": "DE-EMP-C12345678-X", "issuer": "eMSP", "group_id": "G-1",
            "valid": valid, "whitelist": whitelist, "last_updated": "2026-03-01T10:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn the_whitelist_rule_decides_what_is_asked() {
        let accepted = |t: &Token| with_status(AuthStatus::Accepted, t);
        for rule in ["ALWAYS", "ALLOWED"] {
            let t = token(true, rule);
            assert_eq!(plan(&t), Plan::Decided(accepted(&t)), "{rule}");
        }
        let t = token(true, "ALLOWED_OFFLINE");
        assert_eq!(
            plan(&t),
            Plan::AskPartner {
                unreachable: accepted(&t)
            }
        );
        let t = token(true, "NEVER");
        assert_eq!(
            plan(&t),
            Plan::AskPartner {
                unreachable: with_status(AuthStatus::Invalid, &t)
            }
        );
        for rule in ["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"] {
            let t = token(false, rule);
            assert_eq!(
                plan(&t),
                Plan::Decided(with_status(AuthStatus::Invalid, &t))
            );
        }
        assert_eq!(
            accepted(&token(true, "ALWAYS")).group.as_deref(),
            Some("G-1")
        );
    }

    #[test]
    fn the_partners_answer_decides_when_there_is_one() {
        let t = token(true, "NEVER");
        for (allowed, status) in [
            ("ALLOWED", AuthStatus::Accepted),
            ("BLOCKED", AuthStatus::Blocked),
            ("EXPIRED", AuthStatus::Expired),
            ("NO_CREDIT", AuthStatus::NoCredit),
            ("NOT_ALLOWED", AuthStatus::NotAtThisLocation),
        ] {
            let info: AuthorizationInfo =
                serde_json::from_value(json!({ "allowed": allowed, "token": t })).unwrap();
            assert_eq!(from_partner(&info, &t).status, status, "{allowed}");
        }
    }

    #[test]
    fn a_partner_that_does_not_know_the_token_has_answered() {
        let url = || "http://emsp/tokens/0102030405/authorize".to_owned();
        let unknown = [
            // HTTP 404, as OCPI has it, with or without an envelope.
            ClientError::Http {
                url: url(),
                http_status: 404,
            },
            ClientError::Rejected {
                url: url(),
                http_status: 404,
                status_code: StatusCode::UnknownToken,
                message: None,
            },
            // OCPI 2004 Unknown Token, in an HTTP 200.
            ClientError::Rejected {
                url: url(),
                http_status: 200,
                status_code: StatusCode::UnknownToken,
                message: None,
            },
        ];
        for error in &unknown {
            assert!(unknown_token(error), "{error}");
        }
        let no_answer = [
            ClientError::Http {
                url: url(),
                http_status: 503,
            },
            ClientError::Rejected {
                url: url(),
                http_status: 200,
                status_code: StatusCode::NotEnoughInformation,
                message: None,
            },
            ClientError::MissingData { url: url() },
        ];
        for error in &no_answer {
            assert!(!unknown_token(error), "{error}");
        }

        // An ALLOWED_OFFLINE token is accepted when the partner cannot be reached, not when
        // it says it does not know the token.
        let t = token(true, "ALLOWED_OFFLINE");
        let Plan::AskPartner { unreachable } = plan(&t) else {
            panic!("ALLOWED_OFFLINE asks the partner");
        };
        let decided = |asked| after_asking(asked, unreachable.clone(), &t).status;
        assert_eq!(decided(Asked::NoAnswer), AuthStatus::Accepted);
        assert_eq!(decided(Asked::UnknownToken), AuthStatus::Invalid);
        let info: AuthorizationInfo =
            serde_json::from_value(json!({ "allowed": "BLOCKED", "token": t })).unwrap();
        assert_eq!(decided(Asked::Answer(Box::new(info))), AuthStatus::Blocked);
    }
}
