//! In-memory modules and fixtures shared by the tests.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ocpi_server::{
    CdrsSender, ChargingProfilesReceiver, Command, CommandsReceiver, HubClientInfoReceiver,
    LocationsSender, OcpiError, Page, PageQuery, RequestContext, SessionsSender, Stored,
    TariffsSender, TokenKey, TokensReceiver,
};
use ocpi_types::v221::{
    BusinessDetails, Cdr, ChargingProfileResponse, ChargingProfileResponseType, ClientInfo,
    CommandResponse, CommandResponseType, Connector, CredentialsRole, Evse, Location, Role,
    Session, SetChargingProfile, Tariff, Token, TokenPatch,
};

pub fn role(role: Role, country_code: &str, party_id: &str) -> CredentialsRole {
    CredentialsRole {
        role,
        business_details: BusinessDetails {
            name: format!("{party_id} platform").as_str().into(),
            website: None,
            logo: None,
        },
        party_id: party_id.into(),
        country_code: country_code.into(),
    }
}

pub fn location(index: usize) -> Location {
    let json = serde_json::json!({
        "country_code": "NL", "party_id": "CPO", "id": format!("LOC{index}"), "publish": true,
        "address": "Stationsplein 1", "city": "Amsterdam", "country": "NLD",
        "coordinates": {"latitude": "52.378900", "longitude": "4.900500"},
        "time_zone": "Europe/Amsterdam",
        "evses": [{
            "uid": "EVSE1", "status": "AVAILABLE",
            "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET",
                "power_type": "AC_3_PHASE", "max_voltage": 230, "max_amperage": 16,
                "last_updated": "2024-01-01T00:00:00Z"}],
            "last_updated": "2024-01-01T00:00:00Z"
        }],
        "last_updated": format!("2024-01-01T00:00:{:02}Z", index % 60)
    });
    serde_json::from_value(json).expect("a valid location")
}

pub fn token_json(country_code: &str, party_id: &str, uid: &str) -> serde_json::Value {
    serde_json::json!({
        "country_code": country_code, "party_id": party_id, "uid": uid, "type": "RFID",
        "contract_id": "NL-TNM-C12345678-X", "issuer": "TheNewMotion", "valid": true,
        "whitelist": "ALLOWED", "last_updated": "2024-01-01T00:00:00Z"
    })
}

/// Locations in memory; the location `PANIC` makes the handler panic.
pub struct Locations(pub Vec<Location>);

#[async_trait::async_trait]
impl LocationsSender for Locations {
    async fn list(
        &self,
        _: &RequestContext,
        page: &PageQuery,
    ) -> Result<Page<Location>, OcpiError> {
        let matching: Vec<Location> = self
            .0
            .iter()
            .filter(|l| page.admits(&l.last_updated))
            .cloned()
            .collect();
        Ok(page.slice(&matching))
    }

    async fn location(&self, _: &RequestContext, id: &str) -> Result<Option<Location>, OcpiError> {
        if id == "PANIC" {
            panic!("a module that panics");
        }
        Ok(self.0.iter().find(|l| l.id.as_str() == id).cloned())
    }

    async fn evse(
        &self,
        ctx: &RequestContext,
        id: &str,
        evse: &str,
    ) -> Result<Option<Evse>, OcpiError> {
        Ok(self
            .location(ctx, id)
            .await?
            .and_then(|l| l.evses.into_iter().find(|e| e.uid.as_str() == evse)))
    }

    async fn connector(
        &self,
        ctx: &RequestContext,
        id: &str,
        evse: &str,
        connector: &str,
    ) -> Result<Option<Connector>, OcpiError> {
        Ok(self.evse(ctx, id, evse).await?.and_then(|e| {
            e.connectors
                .into_iter()
                .find(|c| c.id.as_str() == connector)
        }))
    }
}

/// Empty lists of sessions, CDRs and tariffs.
pub struct Empty;

#[async_trait::async_trait]
impl SessionsSender for Empty {
    async fn list(&self, _: &RequestContext, _: &PageQuery) -> Result<Page<Session>, OcpiError> {
        Ok(Page {
            items: Vec::new(),
            total: 0,
        })
    }
}

#[async_trait::async_trait]
impl CdrsSender for Empty {
    async fn list(&self, _: &RequestContext, _: &PageQuery) -> Result<Page<Cdr>, OcpiError> {
        Ok(Page {
            items: Vec::new(),
            total: 0,
        })
    }
}

#[async_trait::async_trait]
impl TariffsSender for Empty {
    async fn list(&self, _: &RequestContext, _: &PageQuery) -> Result<Page<Tariff>, OcpiError> {
        Ok(Page {
            items: Vec::new(),
            total: 0,
        })
    }
}

/// Tokens in memory, keyed by their URL.
#[derive(Default)]
pub struct Tokens(pub Mutex<HashMap<TokenKey, Token>>);

#[async_trait::async_trait]
impl TokensReceiver for Tokens {
    async fn get(&self, _: &RequestContext, key: &TokenKey) -> Result<Option<Token>, OcpiError> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }

    async fn put(
        &self,
        _: &RequestContext,
        key: &TokenKey,
        token: Token,
    ) -> Result<Stored, OcpiError> {
        match self.0.lock().unwrap().insert(key.clone(), token) {
            None => Ok(Stored::Created),
            Some(_) => Ok(Stored::Updated),
        }
    }

    async fn patch(
        &self,
        _: &RequestContext,
        key: &TokenKey,
        patch: TokenPatch,
    ) -> Result<bool, OcpiError> {
        let mut tokens = self.0.lock().unwrap();
        let Some(token) = tokens.get_mut(key) else {
            return Ok(false);
        };
        if let Some(valid) = patch.valid {
            token.valid = valid;
        }
        if let Some(contract_id) = patch.contract_id {
            token.contract_id = contract_id;
        }
        token.last_updated = patch.last_updated;
        Ok(true)
    }
}

/// Accepts every command, and remembers them.
#[derive(Default)]
pub struct Commands(pub Mutex<Vec<Command>>);

#[async_trait::async_trait]
impl CommandsReceiver for Commands {
    async fn command(
        &self,
        _: &RequestContext,
        command: Command,
    ) -> Result<CommandResponse, OcpiError> {
        self.0.lock().unwrap().push(command);
        Ok(CommandResponse {
            result: CommandResponseType::Accepted,
            timeout: 30,
            message: Vec::new(),
        })
    }
}

/// A ChargingProfiles receiver that notes each request as `(method, session, detail)` and
/// knows only session `S1`.
#[derive(Default)]
pub struct Profiles(pub Mutex<Vec<(String, String, String)>>);

impl Profiles {
    fn answer(&self, method: &str, session: &str, detail: String) -> ChargingProfileResponse {
        self.0
            .lock()
            .unwrap()
            .push((method.to_owned(), session.to_owned(), detail));
        let result = if session == "S1" {
            ChargingProfileResponseType::Accepted
        } else {
            ChargingProfileResponseType::UnknownSession
        };
        ChargingProfileResponse {
            result,
            timeout: 30,
        }
    }
}

#[async_trait::async_trait]
impl ChargingProfilesReceiver for Profiles {
    async fn active_profile(
        &self,
        _: &RequestContext,
        session_id: &str,
        duration: i64,
        response_url: &str,
    ) -> Result<ChargingProfileResponse, OcpiError> {
        Ok(self.answer("GET", session_id, format!("{duration} {response_url}")))
    }

    async fn set_profile(
        &self,
        _: &RequestContext,
        session_id: &str,
        request: SetChargingProfile,
    ) -> Result<ChargingProfileResponse, OcpiError> {
        let periods = request.charging_profile.charging_profile_period.len();
        Ok(self.answer(
            "PUT",
            session_id,
            format!("{periods} {}", request.response_url.as_str()),
        ))
    }

    async fn clear_profile(
        &self,
        _: &RequestContext,
        session_id: &str,
        response_url: &str,
    ) -> Result<ChargingProfileResponse, OcpiError> {
        Ok(self.answer("DELETE", session_id, response_url.to_owned()))
    }
}

/// The client infos a hub put, by party.
#[derive(Default)]
pub struct HubClients(pub Mutex<HashMap<(String, String), ClientInfo>>);

#[async_trait::async_trait]
impl HubClientInfoReceiver for HubClients {
    async fn get(
        &self,
        _: &RequestContext,
        country_code: &str,
        party_id: &str,
    ) -> Result<Option<ClientInfo>, OcpiError> {
        let key = (country_code.to_uppercase(), party_id.to_uppercase());
        Ok(self.0.lock().unwrap().get(&key).cloned())
    }

    async fn put(&self, _: &RequestContext, info: ClientInfo) -> Result<Stored, OcpiError> {
        let key = (
            info.country_code.as_str().to_uppercase(),
            info.party_id.as_str().to_uppercase(),
        );
        Ok(match self.0.lock().unwrap().insert(key, info) {
            Some(_) => Stored::Updated,
            None => Stored::Created,
        })
    }
}

pub fn arc<T>(value: T) -> Arc<T> {
    Arc::new(value)
}
