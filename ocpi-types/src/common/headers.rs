//! HTTP headers: the `Authorization: Token` header, the message-routing headers
//! and the unique message IDs (`transport_and_format.asciidoc`).

use crate::Error;
use crate::common::CiString;
use crate::validate::{Validate, Validator};

/// `OCPI-to-party-id`.
pub const OCPI_TO_PARTY_ID: &str = "OCPI-to-party-id";
/// `OCPI-to-country-code`.
pub const OCPI_TO_COUNTRY_CODE: &str = "OCPI-to-country-code";
/// `OCPI-from-party-id`.
pub const OCPI_FROM_PARTY_ID: &str = "OCPI-from-party-id";
/// `OCPI-from-country-code`.
pub const OCPI_FROM_COUNTRY_CODE: &str = "OCPI-from-country-code";
/// `X-Request-ID`.
pub const X_REQUEST_ID: &str = "X-Request-ID";
/// `X-Correlation-ID`.
pub const X_CORRELATION_ID: &str = "X-Correlation-ID";
/// `Authorization`.
pub const AUTHORIZATION: &str = "Authorization";

/// The four message-routing headers. Functional modules carry them; the
/// configuration modules (Credentials, Versions, Hub Client Info) do not.
///
/// ```
/// use ocpi_types::common::RoutingHeaders;
///
/// let routing = RoutingHeaders::from_headers([("ocpi-to-party-id", "TNM"), ("OCPI-to-country-code", "NL")]);
/// assert_eq!(routing.to_party_id.as_deref(), Some("TNM"));
/// assert!(routing.from_party_id.is_none()); // an open routing request
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingHeaders {
    /// `OCPI-to-party-id`: party the message is sent to.
    pub to_party_id: Option<CiString<3>>,
    /// `OCPI-to-country-code`: country code of the party the message is sent to.
    pub to_country_code: Option<CiString<2>>,
    /// `OCPI-from-party-id`: party the message is sent from.
    pub from_party_id: Option<CiString<3>>,
    /// `OCPI-from-country-code`: country code of the party the message is sent from.
    pub from_country_code: Option<CiString<2>>,
}

impl RoutingHeaders {
    /// Reads the routing headers from `(name, value)` pairs (names compared
    /// case-insensitively; other headers are ignored).
    pub fn from_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut out = RoutingHeaders::default();
        for (name, value) in headers {
            let value = value.trim();
            if name.eq_ignore_ascii_case(OCPI_TO_PARTY_ID) {
                out.to_party_id = Some(value.into());
            } else if name.eq_ignore_ascii_case(OCPI_TO_COUNTRY_CODE) {
                out.to_country_code = Some(value.into());
            } else if name.eq_ignore_ascii_case(OCPI_FROM_PARTY_ID) {
                out.from_party_id = Some(value.into());
            } else if name.eq_ignore_ascii_case(OCPI_FROM_COUNTRY_CODE) {
                out.from_country_code = Some(value.into());
            }
        }
        out
    }

    /// The headers to send, as `(name, value)` pairs (only those that are set).
    pub fn to_headers(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut push = |name, value: Option<&str>| {
            if let Some(v) = value {
                out.push((name, v.to_owned()));
            }
        };
        push(OCPI_TO_PARTY_ID, self.to_party_id.as_deref());
        push(OCPI_TO_COUNTRY_CODE, self.to_country_code.as_deref());
        push(OCPI_FROM_PARTY_ID, self.from_party_id.as_deref());
        push(OCPI_FROM_COUNTRY_CODE, self.from_country_code.as_deref());
        out
    }

    /// The headers of the response to a request with these headers: `to` and
    /// `from` swapped.
    pub fn reply(&self) -> RoutingHeaders {
        RoutingHeaders {
            to_party_id: self.from_party_id.clone(),
            to_country_code: self.from_country_code.clone(),
            from_party_id: self.to_party_id.clone(),
            from_country_code: self.to_country_code.clone(),
        }
    }
}

impl Validate for RoutingHeaders {
    fn validate_at(&self, v: &mut Validator) {
        v.field(OCPI_TO_PARTY_ID, |v| self.to_party_id.validate_at(v));
        v.field(OCPI_TO_COUNTRY_CODE, |v| {
            self.to_country_code.validate_at(v)
        });
        v.field(OCPI_FROM_PARTY_ID, |v| self.from_party_id.validate_at(v));
        v.field(OCPI_FROM_COUNTRY_CODE, |v| {
            self.from_country_code.validate_at(v)
        });
        let pair = |a: bool, b: bool| a == b;
        if !pair(self.to_party_id.is_some(), self.to_country_code.is_some()) {
            v.violation("OCPI-to-party-id and OCPI-to-country-code must be sent together");
        }
        if !pair(
            self.from_party_id.is_some(),
            self.from_country_code.is_some(),
        ) {
            v.violation("OCPI-from-party-id and OCPI-from-country-code must be sent together");
        }
    }
}

/// `X-Request-ID` and `X-Correlation-ID`, the unique message IDs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestIds {
    /// `X-Request-ID`: unique per request; the response repeats it. A Hub that
    /// forwards a request sets a new one.
    pub request_id: Option<String>,
    /// `X-Correlation-ID`: unique per request chain; every response and
    /// forwarded request repeats it.
    pub correlation_id: Option<String>,
}

impl RequestIds {
    /// Reads both IDs from `(name, value)` pairs (names compared case-insensitively).
    pub fn from_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut out = RequestIds::default();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case(X_REQUEST_ID) {
                out.request_id = Some(value.trim().to_owned());
            } else if name.eq_ignore_ascii_case(X_CORRELATION_ID) {
                out.correlation_id = Some(value.trim().to_owned());
            }
        }
        out
    }

    /// The headers to send, as `(name, value)` pairs.
    pub fn to_headers(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(id) = &self.request_id {
            out.push((X_REQUEST_ID, id.clone()));
        }
        if let Some(id) = &self.correlation_id {
            out.push((X_CORRELATION_ID, id.clone()));
        }
        out
    }

    /// The IDs a forwarded request carries: the same correlation ID and the
    /// new request ID `new_request_id`.
    pub fn forwarded(&self, new_request_id: impl Into<String>) -> RequestIds {
        RequestIds {
            request_id: Some(new_request_id.into()),
            correlation_id: self.correlation_id.clone(),
        }
    }
}

/// How the credentials token is written in the `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenEncoding {
    /// OCPI 2.2.1 (and 2.2-d2): the token's UTF-8 bytes, Base64-encoded (RFC 4648 §4).
    Base64,
    /// Many 2.1.1 and 2.2 implementations: the token as is.
    Plain,
}

/// A credentials token, as exchanged in the Credentials module and sent in the
/// `Authorization: Token ...` header.
///
/// ```
/// use ocpi_types::common::{CredentialsToken, TokenEncoding};
///
/// let token = CredentialsToken::new("example-token");
/// assert_eq!(token.to_header_value(TokenEncoding::Base64), "Token ZXhhbXBsZS10b2tlbg==");
/// let read = CredentialsToken::from_header_value("Token ZXhhbXBsZS10b2tlbg==", TokenEncoding::Base64).unwrap();
/// assert_eq!(read, token);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CredentialsToken(String);

impl std::fmt::Debug for CredentialsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialsToken(..)")
    }
}

impl CredentialsToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        CredentialsToken(token.into())
    }

    /// The token itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value of the `Authorization` header: `Token ` and the token encoded
    /// as `encoding` says.
    pub fn to_header_value(&self, encoding: TokenEncoding) -> String {
        match encoding {
            TokenEncoding::Base64 => format!("Token {}", base64_encode(self.0.as_bytes())),
            TokenEncoding::Plain => format!("Token {}", self.0),
        }
    }

    /// Reads the value of an `Authorization` header written with `encoding`.
    ///
    /// The scheme `Token` is matched case-insensitively and must be followed by
    /// one space.
    pub fn from_header_value(value: &str, encoding: TokenEncoding) -> Result<Self, Error> {
        let bad = |message: &str| Error::InvalidHeader {
            name: AUTHORIZATION.to_owned(),
            message: message.to_owned(),
        };
        let (scheme, rest) = value
            .trim()
            .split_once(' ')
            .ok_or_else(|| bad("expected 'Token <credentials token>'"))?;
        if !scheme.eq_ignore_ascii_case("Token") {
            return Err(bad("the scheme must be 'Token'"));
        }
        let rest = rest.trim();
        if rest.is_empty() {
            return Err(bad("the credentials token is missing"));
        }
        match encoding {
            TokenEncoding::Plain => Ok(CredentialsToken(rest.to_owned())),
            TokenEncoding::Base64 => {
                let bytes =
                    base64_decode(rest).ok_or_else(|| bad("the token is not valid Base64"))?;
                String::from_utf8(bytes)
                    .map(CredentialsToken)
                    .map_err(|_| bad("the Base64-decoded token is not UTF-8"))
            }
        }
    }

    /// Reads an `Authorization` header value from a partner whose encoding is
    /// not known yet: Base64 when the value decodes to a printable UTF-8 token,
    /// otherwise plain. Returns the token and the encoding that was detected.
    ///
    /// A plain token that happens to be valid Base64 of printable text (e.g.
    /// `abcd`) is taken as Base64; when the partner's version is known, prefer
    /// [`from_header_value`](Self::from_header_value).
    pub fn from_header_value_detect(value: &str) -> Result<(Self, TokenEncoding), Error> {
        if let Ok(token) = Self::from_header_value(value, TokenEncoding::Base64) {
            if !token.0.is_empty() && token.0.chars().all(|c| !c.is_control()) {
                return Ok((token, TokenEncoding::Base64));
            }
        }
        Self::from_header_value(value, TokenEncoding::Plain).map(|t| (t, TokenEncoding::Plain))
    }
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 (RFC 4648 §4, with padding).
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(
                    BASE64_ALPHABET[(n >> (18 - 6 * i) & 63) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes Base64 (RFC 4648 §4); padding is required. `None` when `text` is
/// not valid Base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 != 0 {
        return None;
    }
    let value = |c: u8| {
        BASE64_ALPHABET
            .iter()
            .position(|a| *a == c)
            .map(|p| p as u32)
    };
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let chunks = bytes.len() / 4;
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let last = index + 1 == chunks;
        let padding = chunk.iter().rev().take_while(|c| **c == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = if i >= 4 - padding { 0 } else { value(*c)? };
            n = (n << 6) | v;
        }
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&decoded[..3 - padding]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert!(base64_decode("Zg=").is_none());
        assert!(base64_decode("Zg==Zg==").is_none());
        assert!(base64_decode("Z!==").is_none());
    }

    #[test]
    fn spec_header_example() {
        // The specification's example encodes the token followed by a newline.
        let token = CredentialsToken::from_header_value(
            "Token ZXhhbXBsZS10b2tlbgo=",
            TokenEncoding::Base64,
        )
        .unwrap();
        assert_eq!(token.as_str(), "example-token\n");
        let (token, encoding) = CredentialsToken::from_header_value_detect(
            "Token 9e80aca8-28be-11e9-b210-d663bd873d93",
        )
        .unwrap();
        assert_eq!(encoding, TokenEncoding::Plain);
        assert_eq!(token.as_str(), "9e80aca8-28be-11e9-b210-d663bd873d93");
        assert!(CredentialsToken::from_header_value("Bearer abc", TokenEncoding::Plain).is_err());
        assert!(CredentialsToken::from_header_value("Token", TokenEncoding::Plain).is_err());
    }

    #[test]
    fn routing_reply_and_validation() {
        let request = RoutingHeaders::from_headers([
            ("OCPI-to-party-id", "TNM"),
            ("OCPI-to-country-code", "NL"),
            ("OCPI-from-party-id", "ABCD"),
        ]);
        let report = request.validate(crate::Mode::Strict);
        let paths: Vec<_> = report.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["$.OCPI-from-party-id", "$"]);
        let reply = request.reply();
        assert_eq!(reply.from_party_id.as_deref(), Some("TNM"));
        assert_eq!(reply.to_headers().len(), 3);
        let ids = RequestIds::from_headers([("x-request-id", "1"), ("X-Correlation-ID", "c")]);
        let fwd = ids.forwarded("2");
        assert_eq!(
            fwd.to_headers(),
            vec![
                (X_REQUEST_ID, "2".to_owned()),
                (X_CORRELATION_ID, "c".to_owned())
            ]
        );
    }
}
