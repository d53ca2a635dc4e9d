//! Pagination of GET requests that return lists (`transport_and_format.asciidoc`).

use crate::Error;
use crate::common::DateTime;

/// The query parameters of a paginated GET: `date_from` (inclusive),
/// `date_to` (exclusive), `offset` and `limit`.
///
/// ```
/// use ocpi_types::common::PageRequest;
///
/// let page = PageRequest::from_query("offset=100&limit=50&date_from=2016-01-01T00:00:00Z").unwrap();
/// assert_eq!(page.offset, Some(100));
/// assert_eq!(page.to_query(), "date_from=2016-01-01T00:00:00Z&offset=100&limit=50");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Only objects with `last_updated` at or after this instant.
    pub date_from: Option<DateTime>,
    /// Only objects with `last_updated` before this instant.
    pub date_to: Option<DateTime>,
    /// The offset of the first object returned (default 0).
    pub offset: Option<u64>,
    /// The maximum number of objects to return.
    pub limit: Option<u64>,
}

impl PageRequest {
    /// Reads the pagination parameters of a query string (without `?`);
    /// other parameters are ignored.
    pub fn from_query(query: &str) -> Result<Self, Error> {
        let mut page = PageRequest::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            let bad = |what: &str| Error::InvalidParameter {
                name: key.to_owned(),
                message: format!("{value:?} is not {what}"),
            };
            match key {
                "date_from" => {
                    page.date_from = Some(DateTime::parse(&value).map_err(|_| bad("a DateTime"))?)
                }
                "date_to" => {
                    page.date_to = Some(DateTime::parse(&value).map_err(|_| bad("a DateTime"))?)
                }
                "offset" => {
                    page.offset = Some(value.parse().map_err(|_| bad("a non-negative integer"))?)
                }
                "limit" => {
                    page.limit = Some(value.parse().map_err(|_| bad("a non-negative integer"))?)
                }
                _ => {}
            }
        }
        Ok(page)
    }

    /// The query string of these parameters (only those that are set).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.date_from {
            parts.push(format!("date_from={t}"));
        }
        if let Some(t) = &self.date_to {
            parts.push(format!("date_to={t}"));
        }
        if let Some(n) = self.offset {
            parts.push(format!("offset={n}"));
        }
        if let Some(n) = self.limit {
            parts.push(format!("limit={n}"));
        }
        parts.join("&")
    }

    /// The parameters of the page after this one, given how many objects this
    /// page returned.
    pub fn next(&self, returned: u64) -> PageRequest {
        PageRequest {
            offset: Some(self.offset.unwrap_or(0) + returned),
            ..self.clone()
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Name of the header with the total number of matching objects.
pub const X_TOTAL_COUNT: &str = "X-Total-Count";
/// Name of the header with the maximum number of objects the server returns.
pub const X_LIMIT: &str = "X-Limit";
/// Name of the header with the link to the next page.
pub const LINK: &str = "Link";

/// The headers of a paginated response: `Link` (to the next page, absent on
/// the last page), `X-Total-Count` and `X-Limit`.
///
/// ```
/// use ocpi_types::common::PageResponseHeaders;
///
/// let headers = [
///     ("link", r#"<https://www.server.com/ocpi/cpo/2.2.1/cdrs/?offset=150&limit=50>; rel="next""#),
///     ("x-total-count", "1000"),
///     ("X-Limit", "50"),
/// ];
/// let page = PageResponseHeaders::from_headers(headers).unwrap();
/// assert_eq!(page.next.as_deref(), Some("https://www.server.com/ocpi/cpo/2.2.1/cdrs/?offset=150&limit=50"));
/// assert_eq!(page.total_count, Some(1000));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageResponseHeaders {
    /// URL of the next page (from `Link: <URL>; rel="next"`).
    pub next: Option<String>,
    /// `X-Total-Count`.
    pub total_count: Option<u64>,
    /// `X-Limit`.
    pub limit: Option<u64>,
}

impl PageResponseHeaders {
    /// Reads the pagination headers from `(name, value)` pairs; names are
    /// compared case-insensitively and other headers are ignored.
    pub fn from_headers<'a>(
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Error> {
        let mut out = PageResponseHeaders::default();
        for (name, value) in headers {
            let value = value.trim();
            let number = |header: &str| {
                value.parse::<u64>().map_err(|_| Error::InvalidHeader {
                    name: header.to_owned(),
                    message: format!("{value:?} is not a non-negative integer"),
                })
            };
            if name.eq_ignore_ascii_case(X_TOTAL_COUNT) {
                out.total_count = Some(number(X_TOTAL_COUNT)?);
            } else if name.eq_ignore_ascii_case(X_LIMIT) {
                out.limit = Some(number(X_LIMIT)?);
            } else if name.eq_ignore_ascii_case(LINK) {
                if let Some(url) = next_link(value) {
                    out.next = Some(url);
                }
            }
        }
        Ok(out)
    }

    /// The headers to send, as `(name, value)` pairs.
    pub fn to_headers(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(url) = &self.next {
            out.push((LINK, format!("<{url}>; rel=\"next\"")));
        }
        if let Some(n) = self.total_count {
            out.push((X_TOTAL_COUNT, n.to_string()));
        }
        if let Some(n) = self.limit {
            out.push((X_LIMIT, n.to_string()));
        }
        out
    }
}

/// The URL of the `rel="next"` entry of a `Link` header value (RFC 8288).
pub fn next_link(value: &str) -> Option<String> {
    value.split(',').find_map(|entry| {
        let entry = entry.trim();
        let rest = entry.strip_prefix('<')?;
        let (url, params) = rest.split_once('>')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        is_next.then(|| url.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trip_and_errors() {
        let page =
            PageRequest::from_query("date_to=2016-12-31T23%3A59%3A59Z&limit=10&foo=bar").unwrap();
        assert_eq!(page.limit, Some(10));
        assert_eq!(page.date_to.unwrap().to_string(), "2016-12-31T23:59:59Z");
        assert_eq!(page.next(10).offset, Some(10));
        assert!(PageRequest::from_query("offset=-1").is_err());
        assert!(PageRequest::from_query("date_from=yesterday").is_err());
        assert_eq!(percent_decode("%4"), "%4");
    }

    #[test]
    fn link_header() {
        assert_eq!(
            next_link(r#"<https://a/b?offset=1>; rel="prev", <https://a/b?offset=3>; rel=next"#),
            Some("https://a/b?offset=3".to_owned())
        );
        assert_eq!(next_link("<https://a/b>"), None);
        let headers = PageResponseHeaders {
            next: Some("https://a".into()),
            total_count: Some(3),
            limit: Some(1),
        };
        let sent = headers.to_headers();
        let read =
            PageResponseHeaders::from_headers(sent.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
        assert_eq!(read, headers);
        assert!(PageResponseHeaders::from_headers([("X-Limit", "many")]).is_err());
    }
}
