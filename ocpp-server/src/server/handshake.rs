//! The HTTP upgrade request of a station, read and answered without I/O.
//!
//! The server reads the request head itself (rather than through tokio-tungstenite's
//! callback) so that authentication may ask the asynchronous storage before it answers.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ocpp_types::OcppVersion;
use std::time::Duration;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::station::StationAddress;

/// The longest request head read, in bytes.
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// The longest station identity accepted (the `identifierString` of OCPP 2.x is 48 long).
pub(crate) const MAX_IDENTITY: usize = 48;

/// An upgrade request refused with an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) reason: String,
    /// A label for the refusal metric.
    pub(crate) label: &'static str,
    /// When to try again, for a throttled station.
    pub(crate) retry_after: Option<Duration>,
}

impl Refusal {
    pub(crate) fn new(status: u16, label: &'static str, reason: impl Into<String>) -> Refusal {
        Refusal {
            status,
            reason: reason.into(),
            label,
            retry_after: None,
        }
    }

    /// The one refusal of a station that did not authenticate, whatever the cause (an
    /// unknown identity or wrong credentials), so that it tells nothing.
    pub(crate) fn unauthorized() -> Refusal {
        Refusal::new(401, "unauthorized", "unknown station or wrong credentials")
    }

    /// The refusal of a station or address with too many failed attempts.
    pub(crate) fn throttled(wait: Duration) -> Refusal {
        let mut refusal = Refusal::new(429, "throttled", "too many failed attempts");
        refusal.retry_after = Some(wait);
        refusal
    }

    /// The HTTP response that refuses the upgrade.
    pub(crate) fn response(&self) -> String {
        let phrase = match self.status {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            426 => "Upgrade Required",
            429 => "Too Many Requests",
            431 => "Request Header Fields Too Large",
            503 => "Service Unavailable",
            _ => "Error",
        };
        let mut extra = match self.status {
            401 => "WWW-Authenticate: Basic realm=\"OCPP\"\r\n".to_owned(),
            426 => "Sec-WebSocket-Version: 13\r\n".to_owned(),
            _ => String::new(),
        };
        if let Some(wait) = self.retry_after {
            // Whole seconds, rounded up.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            extra.push_str(&format!("Retry-After: {seconds}\r\n"));
        }
        format!(
            "HTTP/1.1 {} {phrase}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{}\n",
            self.status,
            self.reason.len() + 1,
            self.reason
        )
    }
}

/// What the upgrade request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpgradeRequest {
    /// The path, without the query.
    pub(crate) path: String,
    /// `Sec-WebSocket-Key`.
    pub(crate) key: String,
    /// The subprotocols offered, in the client's order; `None` when the header is absent.
    pub(crate) protocols: Option<Vec<String>>,
    /// The `Authorization` header.
    pub(crate) authorization: Option<String>,
    /// The values of every `Sec-WebSocket-Extensions` header, in order.
    pub(crate) extensions: Vec<String>,
}

/// Parses a request head: `Ok(None)` while it is incomplete.
pub(crate) fn parse(head: &[u8]) -> Result<Option<(UpgradeRequest, usize)>, Refusal> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(head) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if head.len() >= MAX_HEAD => {
            return Err(Refusal::new(431, "bad_request", "request head too large"));
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Refusal::new(431, "bad_request", "too many headers"));
        }
        Err(error) => {
            return Err(Refusal::new(
                400,
                "bad_request",
                format!("not HTTP: {error}"),
            ));
        }
    };
    if request.method != Some("GET") {
        return Err(Refusal::new(
            405,
            "bad_request",
            "only GET upgrades to a WebSocket",
        ));
    }
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::trim)
    };
    let has_token = |name: &str, token: &str| {
        header(name).is_some_and(|value| {
            value
                .split(',')
                .any(|item| item.trim().eq_ignore_ascii_case(token))
        })
    };
    if !has_token("upgrade", "websocket") || !has_token("connection", "upgrade") {
        return Err(Refusal::new(
            426,
            "bad_request",
            "a WebSocket upgrade is required",
        ));
    }
    if header("sec-websocket-version") != Some("13") {
        return Err(Refusal::new(
            426,
            "bad_request",
            "WebSocket version 13 is required",
        ));
    }
    let Some(key) = header("sec-websocket-key").filter(|key| !key.is_empty()) else {
        return Err(Refusal::new(
            400,
            "bad_request",
            "Sec-WebSocket-Key is missing",
        ));
    };
    let protocols = request
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-protocol"))
        .map(|h| std::str::from_utf8(h.value).unwrap_or(""))
        .flat_map(|value| value.split(','))
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect::<Vec<_>>();
    let offered = request
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("sec-websocket-protocol"));
    let extensions = request
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-extensions"))
        .filter_map(|h| std::str::from_utf8(h.value).ok())
        .map(|value| value.trim().to_owned())
        .collect();
    let path = request.path.unwrap_or("/");
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    Ok(Some((
        UpgradeRequest {
            path: path.to_owned(),
            key: key.to_owned(),
            protocols: offered.then_some(protocols),
            authorization: header("authorization").map(str::to_owned),
            extensions,
        },
        len,
    )))
}

/// The station address in `path`: after `prefix` (itself a path without the surrounding
/// slashes, possibly empty), the identity segment, preceded by the tenant segment when
/// `tenant_in_path`; percent-decoded.
pub(crate) fn address(
    path: &str,
    prefix: &str,
    tenant_in_path: bool,
) -> Result<StationAddress, Refusal> {
    let not_found = || Refusal::new(404, "bad_path", format!("no OCPP endpoint at {path}"));
    let rest = path.strip_prefix('/').ok_or_else(not_found)?;
    let rest = if prefix.is_empty() {
        rest
    } else {
        rest.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(not_found)?
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (tenant, identity) = match (tenant_in_path, rest.split_once('/')) {
        (true, Some((tenant, identity))) => (Some(tenant), identity),
        (true, None) => return Err(not_found()),
        (false, _) => (None, rest),
    };
    if identity.is_empty() || identity.contains('/') || tenant.is_some_and(str::is_empty) {
        return Err(not_found());
    }
    let identity = segment(identity)?;
    Ok(match tenant {
        Some(tenant) => StationAddress::in_tenant(segment(tenant)?, identity),
        None => StationAddress::new(identity),
    })
}

/// One path segment, percent-decoded: at most [`MAX_IDENTITY`] characters, none of them
/// control characters.
fn segment(text: &str) -> Result<String, Refusal> {
    let decoded = percent_decode(text)
        .ok_or_else(|| Refusal::new(400, "bad_path", "the path is not valid UTF-8"))?;
    if decoded.chars().count() > MAX_IDENTITY || decoded.chars().any(char::is_control) {
        return Err(Refusal::new(
            400,
            "bad_path",
            format!(
                "station identity or tenant longer than {MAX_IDENTITY} characters or with control characters"
            ),
        ));
    }
    Ok(decoded)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The version to speak: the first of `preference` the station offers. Without the header,
/// `fallback` if set.
pub(crate) fn negotiate(
    offered: Option<&[String]>,
    preference: &[OcppVersion],
    fallback: Option<OcppVersion>,
) -> Result<OcppVersion, Refusal> {
    let supported = || {
        preference
            .iter()
            .map(|v| v.subprotocol())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(offered) = offered else {
        return fallback.ok_or_else(|| {
            Refusal::new(
                400,
                "no_subprotocol",
                format!(
                    "Sec-WebSocket-Protocol is required; supported: {}",
                    supported()
                ),
            )
        });
    };
    preference
        .iter()
        .copied()
        .find(|version| {
            offered
                .iter()
                .any(|name| name.eq_ignore_ascii_case(version.subprotocol()))
        })
        .ok_or_else(|| {
            Refusal::new(
                400,
                "no_subprotocol",
                format!(
                    "no common OCPP version: offered {}; supported: {}",
                    offered.join(", "),
                    supported()
                ),
            )
        })
}

/// The user and password of a `Basic` authorization header.
pub(crate) fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    // OCPP 2.x passwords may be any bytes of its `passwordString`; read them as UTF-8.
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The `101 Switching Protocols` response, with the negotiated extensions if any.
pub(crate) fn accept(key: &str, version: Option<OcppVersion>, extensions: Option<&str>) -> String {
    let protocol = version.map_or(String::new(), |v| {
        format!("Sec-WebSocket-Protocol: {}\r\n", v.subprotocol())
    });
    let extensions = extensions.map_or(String::new(), |value| {
        format!("Sec-WebSocket-Extensions: {value}\r\n")
    });
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{protocol}{extensions}\r\n",
        derive_accept_key(key.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "GET /ocpp/CP%201?x=1 HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\
        Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp2.0.1, ocpp1.6\r\n\
        Authorization: Basic Q1AgMTpzZWNyZXQ6cGFydA==\r\n\
        Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
        sec-websocket-extensions: x-other\r\n\r\n";

    #[test]
    fn reads_an_upgrade_request() {
        assert_eq!(parse(&HEAD.as_bytes()[..40]), Ok(None));
        let (request, len) = parse(HEAD.as_bytes()).unwrap().unwrap();
        assert_eq!(len, HEAD.len());
        assert_eq!(request.path, "/ocpp/CP%201");
        assert_eq!(
            address(&request.path, "ocpp", false).unwrap(),
            StationAddress::new("CP 1")
        );
        assert_eq!(
            request.protocols.as_deref(),
            Some(&["ocpp2.0.1".to_owned(), "ocpp1.6".to_owned()][..])
        );
        let credentials = basic_credentials(request.authorization.as_deref().unwrap());
        assert_eq!(
            credentials,
            Some(("CP 1".to_owned(), "secret:part".to_owned()))
        );
        assert_eq!(
            request.extensions,
            ["permessage-deflate; client_max_window_bits", "x-other"]
        );
        // The example of RFC 6455.
        assert!(accept(&request.key, None, None).contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        let compressed = accept(&request.key, None, Some("permessage-deflate"));
        assert!(compressed.ends_with("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"));
    }

    #[test]
    fn refuses_what_is_not_an_upgrade() {
        let status = |head: &str| parse(head.as_bytes()).unwrap_err().status;
        assert_eq!(status("POST / HTTP/1.1\r\n\r\n"), 405);
        assert_eq!(status("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 426);
        assert_eq!(status("\x01\x02 nonsense\r\n\r\n"), 400);
        let long = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_HEAD));
        assert_eq!(status(&long), 431);
    }

    #[test]
    fn finds_the_identity_after_the_prefix() {
        let identity = |path: &str, prefix: &str| {
            address(path, prefix, false).map(|address| address.identity().to_owned())
        };
        assert_eq!(identity("/ocpp/CP-1/", "ocpp").unwrap(), "CP-1");
        assert_eq!(identity("/CP-1", "").unwrap(), "CP-1");
        assert_eq!(identity("/other/CP-1", "ocpp").unwrap_err().status, 404);
        assert_eq!(identity("/ocpp/", "ocpp").unwrap_err().status, 404);
        assert_eq!(identity("/ocpp/a/b", "ocpp").unwrap_err().status, 404);
        assert_eq!(identity("/ocpp/%ff", "ocpp").unwrap_err().status, 400);
        assert_eq!(
            identity(&format!("/ocpp/{}", "x".repeat(49)), "ocpp")
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn finds_the_tenant_before_the_identity() {
        let scoped = |path: &str| address(path, "ocpp", true);
        assert_eq!(
            scoped("/ocpp/acme/CP%201").unwrap(),
            StationAddress::in_tenant("acme", "CP 1")
        );
        assert_eq!(
            scoped("/ocpp/acme/CP-1/").unwrap(),
            StationAddress::in_tenant("acme", "CP-1")
        );
        for missing in ["/ocpp/CP-1", "/ocpp//CP-1", "/ocpp/acme/", "/ocpp/a/b/c"] {
            assert_eq!(scoped(missing).unwrap_err().status, 404, "{missing}");
        }
        assert_eq!(scoped("/ocpp/%00/CP-1").unwrap_err().status, 400);
    }

    #[test]
    fn a_throttled_refusal_says_when_to_retry() {
        let response = Refusal::throttled(Duration::from_millis(1500)).response();
        assert!(response.starts_with("HTTP/1.1 429 Too Many Requests\r\n"));
        assert!(response.contains("\r\nRetry-After: 2\r\n"));
        let response = Refusal::unauthorized().response();
        assert!(response.contains("WWW-Authenticate: Basic"));
    }

    #[test]
    fn negotiates_in_the_server_order() {
        let offered = ["ocpp1.6".to_owned(), "ocpp2.0.1".to_owned()];
        let both = [OcppVersion::V201, OcppVersion::V16];
        assert_eq!(
            negotiate(Some(&offered), &both, None),
            Ok(OcppVersion::V201)
        );
        let only_21 = [OcppVersion::V21];
        let refusal = negotiate(Some(&offered), &only_21, None).unwrap_err();
        assert_eq!(refusal.status, 400);
        assert!(
            refusal
                .reason
                .contains("offered ocpp1.6, ocpp2.0.1; supported: ocpp2.1")
        );
        assert_eq!(
            negotiate(None, &both, Some(OcppVersion::V16)),
            Ok(OcppVersion::V16)
        );
        assert!(negotiate(None, &both, None).is_err());
    }
}
