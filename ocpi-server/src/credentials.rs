//! The credentials module in both roles: as receiver (a partner POSTs, PUTs or DELETEs its
//! credentials at our endpoint) and as sender ([`OcpiServer::register_with`]: we register
//! with a partner that gave us its token A).
//!
//! [`OcpiServer::register_with`]: crate::OcpiServer::register_with

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ocpi_types::common::{OcpiString, TokenEncoding, Url};
use ocpi_types::v211::convert::{credentials_to_v211, credentials_to_v221};
use ocpi_types::v221::{Credentials, CredentialsRole, Role, Version, VersionNumber};
use ocpi_types::{v211, v221};

use crate::auth::Authenticated;
use crate::body::{RawBody, decode_body};
use crate::client::{Auth, ClientError, OcpiClient};
use crate::error::OcpiError;
use crate::reply::Reply;
use crate::server::Shared;
use crate::store::{Access, Caller, PartnerEndpoint, Registration, StoreError, TenantKey};
use crate::token::generate_token;

/// The versions this crate speaks, best first.
pub(crate) const SUPPORTED: [VersionNumber; 2] = [VersionNumber::V2_2_1, VersionNumber::V2_1_1];

/// How the `Authorization` token is written for a partner of `version`: Base64 in 2.2.1,
/// as is in 2.1.1 (whose implementations mostly do not encode it).
pub fn encoding_for(version: &VersionNumber) -> TokenEncoding {
    match version {
        VersionNumber::V2_1_1 | VersionNumber::V2_1 | VersionNumber::V2_0 => TokenEncoding::Plain,
        _ => TokenEncoding::Base64,
    }
}

/// The highest version both in `ours` and in `theirs`.
pub(crate) fn highest_common<'a>(
    ours: &[VersionNumber],
    theirs: &'a [Version],
) -> Option<&'a Version> {
    SUPPORTED
        .iter()
        .filter(|v| ours.contains(v))
        .find_map(|v| theirs.iter().find(|t| t.version == *v))
}

/// Why registering with a partner failed, by step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// Step 1: the partner's versions could not be fetched with its token A.
    #[error("fetching the partner's versions failed: {0}")]
    Versions(#[source] ClientError),
    /// Step 2: no version in common.
    #[error("no OCPI version in common; the partner offers: {}", offered.join(", "))]
    NoCommonVersion {
        /// The versions the partner offers.
        offered: Vec<String>,
    },
    /// Step 3: the version details could not be fetched.
    #[error("fetching the partner's version details failed: {0}")]
    Details(#[source] ClientError),
    /// Step 3: the partner lacks endpoints we need (its credentials endpoint, or one of
    /// [`ServerConfig::required_modules`](crate::ServerConfig::required_modules)).
    #[error("the partner lacks endpoints: {}", missing.join(", "))]
    MissingEndpoints {
        /// The modules missing.
        missing: Vec<String>,
    },
    /// Step 4: no token B could be made or stored.
    #[error("issuing our token failed: {0}")]
    Issue(String),
    /// Step 5: POSTing (or, to update, PUTting) our credentials failed.
    #[error("sending our credentials failed: {0}")]
    Post(#[source] ClientError),
    /// Step 5: the partner answered without usable credentials.
    #[error("the partner's credentials are not usable: {0}")]
    InvalidCredentials(String),
    /// Step 6: the result could not be stored.
    #[error("storing the registration failed: {0}")]
    Store(#[source] StoreError),
}

/// A finished registration with a partner (as sender of the credentials).
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// The partner, as the store now has it.
    pub caller: Caller,
    /// The version agreed.
    pub version: VersionNumber,
    /// The partner's endpoints in that version.
    pub endpoints: Vec<PartnerEndpoint>,
    /// How to call the partner from now on (its token C).
    pub auth: Auth,
    /// The partner's versions URL, from its credentials.
    pub versions_url: String,
    /// The partner's roles, from its credentials.
    pub roles: Vec<v221::CredentialsRole>,
}

impl Registered {
    /// The URL of the partner's endpoint of `module` (for 2.2.1, with `role` when given).
    pub fn endpoint(&self, module: &str, role: Option<v221::InterfaceRole>) -> Option<&str> {
        find_endpoint(&self.endpoints, module, role)
    }
}

/// The URL of the endpoint of `module` (with `role` when given) in `endpoints`.
pub fn find_endpoint<'a>(
    endpoints: &'a [PartnerEndpoint],
    module: &str,
    role: Option<v221::InterfaceRole>,
) -> Option<&'a str> {
    endpoints
        .iter()
        .find(|e| e.module == module && (role.is_none() || e.role.is_none() || e.role == role))
        .map(|e| e.url.as_str())
}

/// GETs a partner's versions, trying the token Base64-encoded then as is when refused.
async fn fetch_versions(
    client: &OcpiClient,
    url: &str,
    token: &str,
) -> Result<(Vec<Version>, TokenEncoding), ClientError> {
    let auth = Auth::new(token, TokenEncoding::Base64);
    match client.get::<Vec<Version>>(url, &auth).await {
        Ok(versions) => Ok((versions, TokenEncoding::Base64)),
        Err(error) if error.is_unauthorized() => {
            let auth = Auth::new(token, TokenEncoding::Plain);
            let versions = client.get::<Vec<Version>>(url, &auth).await?;
            Ok((versions, TokenEncoding::Plain))
        }
        Err(error) => Err(error),
    }
}

/// How the token is written once `version` is agreed: as that version says for 2.1.1 and
/// older (the token as is, which their partners compare as is, though their versions
/// endpoint may take both); from 2.2 on, the form the partner's versions endpoint took.
fn agreed_encoding(version: &VersionNumber, versions_took: TokenEncoding) -> TokenEncoding {
    match encoding_for(version) {
        TokenEncoding::Plain => TokenEncoding::Plain,
        _ => versions_took,
    }
}

/// GETs the endpoints of one version.
async fn fetch_endpoints(
    client: &OcpiClient,
    url: &str,
    auth: &Auth,
    version: &VersionNumber,
) -> Result<Vec<PartnerEndpoint>, ClientError> {
    if *version == VersionNumber::V2_1_1 {
        let details = client.get::<v211::VersionDetails>(url, auth).await?;
        Ok(details
            .endpoints
            .into_iter()
            .map(|e| PartnerEndpoint {
                module: e.identifier.as_str().to_owned(),
                role: None,
                url: e.url.into_string(),
            })
            .collect())
    } else {
        let details = client.get::<v221::VersionDetails>(url, auth).await?;
        Ok(details
            .endpoints
            .into_iter()
            .map(|e| PartnerEndpoint {
                module: e.identifier.as_str().to_owned(),
                role: Some(e.role),
                url: e.url.into_string(),
            })
            .collect())
    }
}

/// The modules of `required` that `endpoints` lack.
fn missing_modules(endpoints: &[PartnerEndpoint], required: &[String]) -> Vec<String> {
    required
        .iter()
        .filter(|m| !endpoints.iter().any(|e| &e.module == *m))
        .cloned()
        .collect()
}

impl Shared {
    /// The roles we show the partners of `tenant`: the store's, else the configured ones.
    async fn our_roles(&self, tenant: &TenantKey) -> Result<Vec<CredentialsRole>, StoreError> {
        Ok(self
            .store
            .our_roles(tenant)
            .await?
            .unwrap_or_else(|| self.config.roles.clone()))
    }

    /// Our credentials with `token` and `roles`, in 2.2.1 form.
    pub(crate) fn our_credentials(&self, roles: Vec<CredentialsRole>, token: &str) -> Credentials {
        Credentials {
            token: OcpiString::new(token),
            url: Url::new(self.config.versions_url()),
            roles,
        }
    }

    /// Our credentials (as `tenant`'s partners see us) with `token`, as `version` writes
    /// them.
    async fn credentials_reply(
        &self,
        tenant: &TenantKey,
        version: &VersionNumber,
        token: &str,
    ) -> Result<Response, OcpiError> {
        let ours = self.our_credentials(self.our_roles(tenant).await?, token);
        if *version == VersionNumber::V2_1_1 {
            // 2.1.1 credentials describe one party: our first role.
            let first = Credentials {
                roles: ours.roles.into_iter().take(1).collect(),
                ..ours
            };
            let v211 =
                credentials_to_v211(&first).map_err(|e| OcpiError::Internal(e.to_string()))?;
            Ok(Reply::ok(v211).into_response())
        } else {
            Ok(Reply::ok(ours).into_response())
        }
    }

    /// The role a 2.1.1 partner plays: the counterpart of our first role.
    fn counterpart_role(&self) -> Role {
        match self.config.roles.first().map(|r| &r.role) {
            Some(Role::Cpo) => Role::Emsp,
            _ => Role::Cpo,
        }
    }

    /// Reads a partner's credentials as `version` writes them, in 2.2.1 form.
    fn read_credentials(
        &self,
        version: &VersionNumber,
        bytes: &[u8],
    ) -> Result<Credentials, OcpiError> {
        let credentials = if *version == VersionNumber::V2_1_1 {
            let v211 = decode_body::<v211::Credentials>(bytes, self.config.decode_mode)?;
            credentials_to_v221(&v211, self.counterpart_role())
                .map_err(|e| OcpiError::Invalid(e.to_string()))?
        } else {
            decode_body::<Credentials>(bytes, self.config.decode_mode)?
        };
        if credentials.token.trim().is_empty() {
            return Err(OcpiError::InvalidBody {
                path: "$.token".to_owned(),
                message: "the credentials token is empty".to_owned(),
            });
        }
        Ok(credentials)
    }

    /// The receiver side of POST and PUT: fetch the partner's endpoints with its token,
    /// issue a new token, store, answer our credentials.
    async fn accept_credentials(
        &self,
        version: &VersionNumber,
        caller: &Caller,
        bytes: &[u8],
    ) -> Result<Response, OcpiError> {
        let theirs = self.read_credentials(version, bytes)?;
        let (versions, encoding) = fetch_versions(&self.client, &theirs.url, &theirs.token)
            .await
            .map_err(|e| OcpiError::ClientApi(format!("GET versions: {e}")))?;
        let auth = Auth::new(theirs.token.as_str(), agreed_encoding(version, encoding));
        let entry = versions
            .iter()
            .find(|v| v.version == *version)
            .ok_or_else(|| {
                OcpiError::UnsupportedVersion(format!("your versions do not include {version}"))
            })?;
        let endpoints = fetch_endpoints(&self.client, &entry.url, &auth, version)
            .await
            .map_err(|e| OcpiError::ClientApi(format!("GET version details: {e}")))?;
        let missing = missing_modules(&endpoints, &self.config.required_modules);
        if !missing.is_empty() {
            return Err(OcpiError::NoMatchingEndpoints(format!(
                "missing: {}",
                missing.join(", ")
            )));
        }
        let token_c = generate_token()?;
        let registration = Registration {
            issued_token: Some(token_c.clone()),
            their_token: theirs.token.into_string(),
            versions_url: theirs.url.into_string(),
            version: version.clone(),
            endpoints,
            roles: theirs.roles,
        };
        self.store.save_registration(caller, &registration).await?;
        self.credentials_reply(&caller.tenant, version, &token_c)
            .await
    }

    /// The sender side: see [`OcpiServer::register_with`](crate::OcpiServer::register_with).
    pub(crate) async fn register_with(
        &self,
        partner: &Caller,
        versions_url: &str,
        token_a: &str,
    ) -> Result<Registered, RegistrationError> {
        let (versions, encoding) = fetch_versions(&self.client, versions_url, token_a)
            .await
            .map_err(RegistrationError::Versions)?;
        let chosen = highest_common(&self.config.versions, &versions).ok_or_else(|| {
            RegistrationError::NoCommonVersion {
                offered: versions.iter().map(|v| v.version.to_string()).collect(),
            }
        })?;
        let version = chosen.version.clone();
        let encoding = agreed_encoding(&version, encoding);
        let auth_a = Auth::new(token_a, encoding);
        let endpoints = fetch_endpoints(&self.client, &chosen.url, &auth_a, &version)
            .await
            .map_err(RegistrationError::Details)?;
        let mut required = vec!["credentials".to_owned()];
        required.extend(self.config.required_modules.iter().cloned());
        let missing = missing_modules(&endpoints, &required);
        if !missing.is_empty() {
            return Err(RegistrationError::MissingEndpoints { missing });
        }
        let credentials_url = find_endpoint(&endpoints, "credentials", None)
            .unwrap_or_default()
            .to_owned();
        let token_b = generate_token().map_err(|e| RegistrationError::Issue(e.to_string()))?;
        let pending = self
            .store
            .set_registration_token(partner, &token_b)
            .await
            .map_err(|e| RegistrationError::Issue(e.to_string()))?;
        let result = self
            .send_credentials(
                &partner.tenant,
                &credentials_url,
                &auth_a,
                &version,
                &token_b,
                false,
            )
            .await;
        let theirs = match result {
            Ok(theirs) => theirs,
            Err(error) => {
                if let Err(cleanup) = self.store.unregister(&pending).await {
                    tracing::warn!(error = %cleanup, "a token B that was not accepted could not be withdrawn");
                }
                return Err(error);
            }
        };
        self.finish(&pending, theirs, version, endpoints, encoding)
            .await
    }

    /// Stores the partner's credentials and endpoints.
    async fn finish(
        &self,
        caller: &Caller,
        theirs: Credentials,
        version: VersionNumber,
        endpoints: Vec<PartnerEndpoint>,
        encoding: TokenEncoding,
    ) -> Result<Registered, RegistrationError> {
        let their_token = theirs.token.into_string();
        let registration = Registration {
            issued_token: None,
            their_token: their_token.clone(),
            versions_url: theirs.url.into_string(),
            version: version.clone(),
            endpoints: endpoints.clone(),
            roles: theirs.roles.clone(),
        };
        let caller = self
            .store
            .save_registration(caller, &registration)
            .await
            .map_err(RegistrationError::Store)?;
        Ok(Registered {
            caller,
            auth: Auth::new(their_token, encoding),
            version,
            endpoints,
            versions_url: registration.versions_url,
            roles: registration.roles,
        })
    }

    /// The sender side of an update: see
    /// [`OcpiServer::update_credentials`](crate::OcpiServer::update_credentials).
    pub(crate) async fn update_credentials(
        &self,
        registered: &Registered,
    ) -> Result<Registered, RegistrationError> {
        let url = registered
            .endpoint("credentials", None)
            .ok_or_else(|| RegistrationError::MissingEndpoints {
                missing: vec!["credentials".to_owned()],
            })?
            .to_owned();
        let new_token = generate_token().map_err(|e| RegistrationError::Issue(e.to_string()))?;
        let renewed = Registration {
            issued_token: Some(new_token.clone()),
            their_token: registered.auth.token.as_str().to_owned(),
            versions_url: registered.versions_url.clone(),
            version: registered.version.clone(),
            endpoints: registered.endpoints.clone(),
            roles: registered.roles.clone(),
        };
        let caller = self
            .store
            .save_registration(&registered.caller, &renewed)
            .await
            .map_err(|e| RegistrationError::Issue(e.to_string()))?;
        let theirs = self
            .send_credentials(
                &registered.caller.tenant,
                &url,
                &registered.auth,
                &registered.version,
                &new_token,
                true,
            )
            .await?;
        self.finish(
            &caller,
            theirs,
            registered.version.clone(),
            registered.endpoints.clone(),
            registered.auth.encoding,
        )
        .await
    }

    /// POSTs (or, to update, PUTs) our credentials with `token_b` and reads the
    /// partner's answer.
    async fn send_credentials(
        &self,
        tenant: &TenantKey,
        url: &str,
        auth: &Auth,
        version: &VersionNumber,
        token_b: &str,
        update: bool,
    ) -> Result<Credentials, RegistrationError> {
        let method = if update {
            reqwest::Method::PUT
        } else {
            reqwest::Method::POST
        };
        let roles = self
            .our_roles(tenant)
            .await
            .map_err(|e| RegistrationError::Issue(e.to_string()))?;
        let ours = self.our_credentials(roles, token_b);
        let theirs = if *version == VersionNumber::V2_1_1 {
            let first = Credentials {
                roles: ours.roles.into_iter().take(1).collect(),
                ..ours
            };
            let body =
                credentials_to_v211(&first).map_err(|e| RegistrationError::Issue(e.to_string()))?;
            let answer = self
                .client
                .send::<_, v211::Credentials>(method, url, auth, Some(&body))
                .await
                .map_err(RegistrationError::Post)?
                .data
                .ok_or_else(|| RegistrationError::InvalidCredentials("no data".to_owned()))?;
            credentials_to_v221(&answer, self.counterpart_role())
                .map_err(|e| RegistrationError::InvalidCredentials(e.to_string()))?
        } else {
            self.client
                .send::<_, Credentials>(method, url, auth, Some(&ours))
                .await
                .map_err(RegistrationError::Post)?
                .data
                .ok_or_else(|| RegistrationError::InvalidCredentials("no data".to_owned()))?
        };
        if theirs.token.trim().is_empty() {
            return Err(RegistrationError::InvalidCredentials(
                "the token is empty".to_owned(),
            ));
        }
        Ok(theirs)
    }
}

/// `GET credentials`: our credentials, with the token the caller presented.
pub(crate) async fn get(
    state: &Arc<Shared>,
    version: &VersionNumber,
    auth: Authenticated,
) -> Result<Response, OcpiError> {
    state
        .credentials_reply(&auth.caller.tenant, version, auth.token.as_str())
        .await
}

/// `POST credentials`: registration; 405 for a registered partner.
pub(crate) async fn post(
    State(state): State<Arc<Shared>>,
    version: VersionNumber,
    auth: Authenticated,
    RawBody(bytes): RawBody,
) -> Result<Response, OcpiError> {
    if auth.caller.access == Access::Registered {
        return Err(OcpiError::AlreadyRegistered);
    }
    state
        .accept_credentials(&version, &auth.caller, &bytes)
        .await
}

/// `PUT credentials`: update; 405 for a partner that is not registered.
pub(crate) async fn put(
    State(state): State<Arc<Shared>>,
    version: VersionNumber,
    auth: Authenticated,
    RawBody(bytes): RawBody,
) -> Result<Response, OcpiError> {
    if auth.caller.access != Access::Registered {
        return Err(OcpiError::NotRegistered);
    }
    state
        .accept_credentials(&version, &auth.caller, &bytes)
        .await
}

/// `DELETE credentials`: unregistration; 405 for a partner that is not registered.
pub(crate) async fn delete(
    state: &Arc<Shared>,
    auth: Authenticated,
) -> Result<Response, OcpiError> {
    if auth.caller.access != Access::Registered {
        return Err(OcpiError::NotRegistered);
    }
    state.store.unregister(&auth.caller).await?;
    Ok(Reply::<()>::ok_empty().into_response())
}
