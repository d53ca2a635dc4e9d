//! The client side: typed calls to a partner's endpoints, with the `Authorization` and
//! message-id headers, routing headers, timeouts, bounded retries with backoff, the
//! envelope read and its status code checked, and paged pulls that follow `Link`.

use std::time::Duration;

use ocpi_types::common::headers::{X_CORRELATION_ID, X_REQUEST_ID};
use ocpi_types::common::{
    CredentialsToken, PageRequest, PageResponseHeaders, RoutingHeaders, StatusCode, TokenEncoding,
};
use ocpi_types::{Mode, Validate, Validator};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::token::random_id;

/// How the client calls partners. [`Default`] gives limits suited to OCPI partners on the
/// internet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// How long one attempt may take, connecting and reading the answer included (30 s).
    pub timeout: Duration,
    /// How long connecting may take (10 s).
    pub connect_timeout: Duration,
    /// How many times a failed attempt is repeated (2): after a connection failure, HTTP
    /// 408 or 429, and (for methods other than POST, which may have had an effect) HTTP
    /// 5xx or a timeout.
    pub max_retries: u32,
    /// The wait before the first repeat (250 ms); it doubles each time, up to
    /// `max_backoff`. A `Retry-After` in seconds is honoured up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest wait between attempts (5 s).
    pub max_backoff: Duration,
    /// How many pages a paged pull follows at most (1000).
    pub max_pages: usize,
    /// The largest answer body read, in bytes (16 MiB).
    pub max_response_bytes: usize,
    /// How strictly the `data` of answers is judged ([`Mode::Lenient`]: deviations are
    /// logged as warnings).
    pub decode_mode: Mode,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
            max_pages: 1000,
            max_response_bytes: 16 * 1024 * 1024,
            decode_mode: Mode::Lenient,
        }
    }
}

/// Whom a call authenticates as, and the headers it carries besides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// The credentials token the partner issued to us.
    pub token: CredentialsToken,
    /// How it is written in the header: [`TokenEncoding::Base64`] for 2.2.1,
    /// [`TokenEncoding::Plain`] for most 2.1.1 partners.
    pub encoding: TokenEncoding,
    /// The routing headers to send (none by default).
    pub routing: RoutingHeaders,
    /// The `X-Correlation-ID` to send; a new one per call when `None`.
    pub correlation_id: Option<String>,
}

impl Auth {
    /// Calls with `token`, encoded as `encoding`, without routing headers.
    pub fn new(token: impl Into<String>, encoding: TokenEncoding) -> Auth {
        Auth {
            token: CredentialsToken::new(token),
            encoding,
            routing: RoutingHeaders::default(),
            correlation_id: None,
        }
    }

    /// The same, with these routing headers.
    pub fn with_routing(mut self, routing: RoutingHeaders) -> Auth {
        self.routing = routing;
        self
    }

    /// The same, with this `X-Correlation-ID`.
    pub fn with_correlation_id(mut self, id: impl Into<String>) -> Auth {
        self.correlation_id = Some(id.into());
        self
    }
}

/// What a call may fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The HTTP client could not be built (e.g. no TLS configuration).
    #[error("the HTTP client could not be built: {0}")]
    Setup(#[source] reqwest::Error),
    /// The URL is not an absolute http(s) URL.
    #[error("invalid URL {0:?}")]
    InvalidUrl(String),
    /// The partner could not be reached, or did not answer in time (after the retries).
    #[error("{url}: {source}")]
    Transport {
        /// The URL called.
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The partner answered an HTTP error without an OCPI envelope.
    #[error("{url} answered HTTP {http_status} without an OCPI envelope")]
    Http {
        /// The URL called.
        url: String,
        /// The HTTP status.
        http_status: u16,
    },
    /// The partner answered with an OCPI status code other than 1xxx (or an HTTP error
    /// with an envelope).
    #[error("{url} answered HTTP {http_status}, OCPI {status_code} ({})", message.as_deref().unwrap_or("no message"))]
    Rejected {
        /// The URL called.
        url: String,
        /// The HTTP status.
        http_status: u16,
        /// The OCPI status code.
        status_code: StatusCode,
        /// The `status_message`, if any.
        message: Option<String>,
    },
    /// The answer is not an OCPI envelope, or its `data` is not the object expected.
    #[error("{url}: invalid answer: {message}")]
    InvalidResponse {
        /// The URL called.
        url: String,
        /// What is wrong (with a JSON path when the data is at fault).
        message: String,
    },
    /// The answer has no `data` where the call needs some.
    #[error("{url}: the answer has no data")]
    MissingData {
        /// The URL called.
        url: String,
    },
    /// The answer is larger than [`ClientConfig::max_response_bytes`].
    #[error("{url}: the answer is larger than {limit} bytes")]
    TooLarge {
        /// The URL called.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// A paged pull had more than [`ClientConfig::max_pages`] pages.
    #[error("more than {max} pages")]
    TooManyPages {
        /// The limit.
        max: usize,
    },
}

impl ClientError {
    /// The OCPI status code the partner answered with, if it answered with an envelope.
    pub fn status_code(&self) -> Option<StatusCode> {
        match self {
            ClientError::Rejected { status_code, .. } => Some(*status_code),
            _ => None,
        }
    }

    /// The HTTP status the partner answered with, if it answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ClientError::Http { http_status, .. } | ClientError::Rejected { http_status, .. } => {
                Some(*http_status)
            }
            _ => None,
        }
    }

    /// `true` when the partner refused our credentials token (HTTP 401).
    pub fn is_unauthorized(&self) -> bool {
        self.http_status() == Some(401)
    }
}

/// What a call without an interesting `data` expects: anything, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoData;

impl<'de> Deserialize<'de> for NoData {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<NoData, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| NoData)
    }
}

impl Validate for NoData {
    fn validate_at(&self, _: &mut Validator) {}
}

/// An answer with a success status code.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    /// The `data`, decoded (absent or `null`: `None`).
    pub data: Option<T>,
    /// The OCPI status code (1xxx).
    pub status_code: StatusCode,
    /// The `status_message`, if any.
    pub status_message: Option<String>,
    /// The HTTP status.
    pub http_status: u16,
    /// The pagination headers, when the answer has them.
    pub page: PageResponseHeaders,
}

/// One page of a list, with its pagination headers.
#[derive(Debug, Clone, PartialEq)]
pub struct PageOf<T> {
    /// The objects that could be decoded (the others are logged and left out, as the
    /// specification advises).
    pub items: Vec<T>,
    /// `X-Total-Count`, `X-Limit` and the `Link` to the next page.
    pub headers: PageResponseHeaders,
}

/// The raw answer of one attempt.
struct Raw {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

/// An OCPI client: one per application (it pools connections).
#[derive(Debug, Clone)]
pub struct OcpiClient {
    http: reqwest::Client,
    config: ClientConfig,
}

impl OcpiClient {
    /// A client with `config`, using rustls with the web PKI roots.
    pub fn new(config: ClientConfig) -> Result<OcpiClient, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(ClientError::Setup)?;
        Ok(OcpiClient { http, config })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `GET url`, whose answer must carry `data`.
    pub async fn get<T: DeserializeOwned + Validate>(
        &self,
        url: &str,
        auth: &Auth,
    ) -> Result<T, ClientError> {
        let answer = self.send::<(), T>(Method::GET, url, auth, None).await?;
        answer.data.ok_or_else(|| ClientError::MissingData {
            url: url.to_owned(),
        })
    }

    /// `POST url` with `body`; the answer's `data`, if any.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned + Validate>(
        &self,
        url: &str,
        auth: &Auth,
        body: &B,
    ) -> Result<Option<T>, ClientError> {
        Ok(self.send(Method::POST, url, auth, Some(body)).await?.data)
    }

    /// `PUT url` with `body`; the answer's `data`, if any.
    pub async fn put<B: Serialize + ?Sized, T: DeserializeOwned + Validate>(
        &self,
        url: &str,
        auth: &Auth,
        body: &B,
    ) -> Result<Option<T>, ClientError> {
        Ok(self.send(Method::PUT, url, auth, Some(body)).await?.data)
    }

    /// `PATCH url` with `body`; the answer's `data`, if any.
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned + Validate>(
        &self,
        url: &str,
        auth: &Auth,
        body: &B,
    ) -> Result<Option<T>, ClientError> {
        Ok(self.send(Method::PATCH, url, auth, Some(body)).await?.data)
    }

    /// `DELETE url`; the answer's `data`, if any.
    pub async fn delete<T: DeserializeOwned + Validate>(
        &self,
        url: &str,
        auth: &Auth,
    ) -> Result<Option<T>, ClientError> {
        Ok(self
            .send::<(), T>(Method::DELETE, url, auth, None)
            .await?
            .data)
    }

    /// One page of a list: `GET url` (with its query), the objects of `data` decoded one
    /// by one, and the pagination headers.
    pub async fn get_page<T: DeserializeOwned + Validate>(
        &self,
        url: &str,
        auth: &Auth,
    ) -> Result<PageOf<T>, ClientError> {
        let answer = self
            .send::<(), AnyJson>(Method::GET, url, auth, None)
            .await?;
        let items = match answer.data {
            None => Vec::new(),
            Some(AnyJson(serde_json::Value::Array(values))) => values
                .iter()
                .enumerate()
                .filter_map(|(i, value)| {
                    let base = format!("$.data[{i}]");
                    match ocpi_types::decode_value::<T>(value, self.config.decode_mode, &base) {
                        Ok((item, report)) if report.is_ok() => {
                            log_warnings(url, &report);
                            Some(item)
                        }
                        Ok((_, report)) => {
                            let issue = &report.errors[0];
                            tracing::warn!(url, path = %issue.path, message = %issue.message, "object of a list left out");
                            None
                        }
                        Err(error) => {
                            tracing::warn!(url, %error, "object of a list left out");
                            None
                        }
                    }
                })
                .collect(),
            Some(_) => {
                return Err(ClientError::InvalidResponse {
                    url: url.to_owned(),
                    message: "$.data: expected a list".to_owned(),
                });
            }
        };
        Ok(PageOf {
            items,
            headers: answer.page,
        })
    }

    /// Every object of a list: the first page at `url` with `query`, then each `Link`
    /// `rel="next"`, at most [`ClientConfig::max_pages`] pages.
    pub async fn get_all<T: DeserializeOwned + Validate>(
        &self,
        url: &str,
        auth: &Auth,
        query: &PageRequest,
    ) -> Result<Vec<T>, ClientError> {
        let query = query.to_query();
        let mut next = if query.is_empty() {
            url.to_owned()
        } else if url.contains('?') {
            format!("{url}&{query}")
        } else {
            format!("{url}?{query}")
        };
        let mut all = Vec::new();
        for _ in 0..self.config.max_pages {
            let page = self.get_page::<T>(&next, auth).await?;
            let returned = page.items.len();
            all.extend(page.items);
            match page.headers.next {
                Some(link) if link != next => next = link,
                _ => return Ok(all),
            }
            if returned == 0
                && page
                    .headers
                    .total_count
                    .is_some_and(|t| all.len() as u64 >= t)
            {
                return Ok(all);
            }
        }
        Err(ClientError::TooManyPages {
            max: self.config.max_pages,
        })
    }

    /// Any call: `method url` with an optional JSON `body`, retried as
    /// [`ClientConfig::max_retries`] says; the envelope is read and a status code other
    /// than 1xxx is an error ([`ClientError::Rejected`]).
    pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned + Validate>(
        &self,
        method: Method,
        url: &str,
        auth: &Auth,
        body: Option<&B>,
    ) -> Result<Answer<T>, ClientError> {
        let parsed =
            reqwest::Url::parse(url).map_err(|_| ClientError::InvalidUrl(url.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::InvalidUrl(url.to_owned()));
        }
        let body =
            match body {
                Some(body) => Some(serde_json::to_vec(body).map_err(|error| {
                    ClientError::InvalidResponse {
                        url: url.to_owned(),
                        message: format!("the request body could not be written: {error}"),
                    }
                })?),
                None => None,
            };
        let correlation_id = auth.correlation_id.clone().unwrap_or_else(random_id);
        let idempotent = method != Method::POST;
        let mut attempt = 0u32;
        let raw = loop {
            let result = self
                .attempt(
                    &method,
                    parsed.clone(),
                    auth,
                    &correlation_id,
                    body.as_deref(),
                )
                .await;
            let retry_after = match &result {
                Err(ClientError::Transport { source, .. }) => {
                    (source.is_connect() || (idempotent && source.is_timeout())).then_some(None)
                }
                Ok(raw) => match raw.status {
                    408 | 429 => Some(retry_after(&raw.headers)),
                    500..=599 if idempotent => Some(retry_after(&raw.headers)),
                    _ => None,
                },
                Err(_) => None,
            };
            match retry_after {
                Some(hint) if attempt < self.config.max_retries => {
                    let backoff = self
                        .config
                        .initial_backoff
                        .saturating_mul(2u32.saturating_pow(attempt));
                    let wait = hint.unwrap_or(backoff).min(self.config.max_backoff);
                    tracing::debug!(url, attempt, ?wait, "OCPI call repeated");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => break result?,
            }
        };
        self.read_answer(url, raw)
    }

    async fn attempt(
        &self,
        method: &Method,
        url: reqwest::Url,
        auth: &Auth,
        correlation_id: &str,
        body: Option<&[u8]>,
    ) -> Result<Raw, ClientError> {
        let transport = |source| ClientError::Transport {
            url: url.to_string(),
            source,
        };
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .header("Authorization", auth.token.to_header_value(auth.encoding))
            .header(X_REQUEST_ID, random_id())
            .header(X_CORRELATION_ID, correlation_id)
            .header("Accept", "application/json");
        for (name, value) in auth.routing.to_headers() {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_vec());
        }
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if bytes.len() + chunk.len() > self.config.max_response_bytes {
                return Err(ClientError::TooLarge {
                    url: url.to_string(),
                    limit: self.config.max_response_bytes,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Raw {
            status,
            headers,
            body: bytes,
        })
    }

    fn read_answer<T: DeserializeOwned + Validate>(
        &self,
        url: &str,
        raw: Raw,
    ) -> Result<Answer<T>, ClientError> {
        let invalid = |message: String| ClientError::InvalidResponse {
            url: url.to_owned(),
            message,
        };
        let success = (200..300).contains(&raw.status);
        let envelope: Result<Envelope, _> = serde_json::from_slice(&raw.body);
        let envelope = match envelope {
            Ok(envelope) => envelope,
            Err(_) if !success => {
                return Err(ClientError::Http {
                    url: url.to_owned(),
                    http_status: raw.status,
                });
            }
            Err(error) => return Err(invalid(format!("not an OCPI envelope: {error}"))),
        };
        let status_code = StatusCode::from_code(envelope.status_code);
        if !success || !status_code.is_success() {
            return Err(ClientError::Rejected {
                url: url.to_owned(),
                http_status: raw.status,
                status_code,
                message: envelope.status_message,
            });
        }
        let pairs: Vec<(&str, &str)> = raw
            .headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let page = PageResponseHeaders::from_headers(pairs).map_err(|e| invalid(e.to_string()))?;
        let data = match envelope.data {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => {
                let (data, report) =
                    ocpi_types::decode_value::<T>(&value, self.config.decode_mode, "$.data")
                        .map_err(|error| invalid(error.to_string()))?;
                if let Some(issue) = report.errors.first() {
                    return Err(invalid(issue.to_string()));
                }
                log_warnings(url, &report);
                Some(data)
            }
        };
        Ok(Answer {
            data,
            status_code,
            status_message: envelope.status_message,
            http_status: raw.status,
            page,
        })
    }
}

/// Any JSON value, validated later (the list of a page, decoded object by object).
#[derive(Deserialize)]
#[serde(transparent)]
struct AnyJson(serde_json::Value);

impl Validate for AnyJson {
    fn validate_at(&self, _: &mut Validator) {}
}

/// The envelope as read, before `data` is decoded.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<serde_json::Value>,
    status_code: u16,
    #[serde(default)]
    status_message: Option<String>,
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get("Retry-After")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

fn log_warnings(url: &str, report: &ocpi_types::Report) {
    for warning in &report.warnings {
        tracing::warn!(url, path = %warning.path, message = %warning.message, "OCPI answer accepted with a deviation");
    }
}
