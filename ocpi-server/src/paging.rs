//! Pagination of the Sender list endpoints: the query parameters, the page a module
//! returns, and the `X-Total-Count`, `X-Limit` and `Link` headers of the answer.

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use ocpi_types::common::paging::{LINK, X_LIMIT, X_TOTAL_COUNT};
use ocpi_types::common::{DateTime, PageRequest};
use serde::Serialize;

use crate::error::OcpiError;
use crate::reply::Reply;

/// The page a list endpoint is asked for, with the limit already capped by the server's
/// maximum ([`ServerConfig::max_page_size`](crate::ServerConfig::max_page_size)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    /// Only objects with `last_updated` at or after this instant.
    pub date_from: Option<DateTime>,
    /// Only objects with `last_updated` before this instant.
    pub date_to: Option<DateTime>,
    /// How many matching objects to skip (0: from the first).
    pub offset: u64,
    /// How many objects to return at most (never more than the server's maximum).
    pub limit: u64,
}

impl PageQuery {
    /// The query of `request` with its limit capped at `max` (and `max` when absent).
    pub fn capped(request: &PageRequest, max: u64) -> PageQuery {
        PageQuery {
            date_from: request.date_from,
            date_to: request.date_to,
            offset: request.offset.unwrap_or(0),
            limit: request.limit.unwrap_or(max).min(max),
        }
    }

    /// `true` when `last_updated` is within `date_from` (inclusive) and `date_to`
    /// (exclusive): a helper for modules that filter in memory.
    pub fn admits(&self, last_updated: &DateTime) -> bool {
        self.date_from.is_none_or(|from| *last_updated >= from)
            && self.date_to.is_none_or(|to| *last_updated < to)
    }

    /// The window `[offset, offset + limit)` of `items` (already filtered and ordered),
    /// with their count as the total: a helper for modules that page in memory.
    pub fn slice<T: Clone>(&self, items: &[T]) -> Page<T> {
        let start = usize::try_from(self.offset)
            .unwrap_or(usize::MAX)
            .min(items.len());
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let end = start.saturating_add(limit).min(items.len());
        Page {
            items: items[start..end].to_vec(),
            total: items.len() as u64,
        }
    }
}

/// One page of objects and how many objects match the query in all (for `X-Total-Count`).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The objects of this page, at most [`PageQuery::limit`].
    pub items: Vec<T>,
    /// How many objects match the query, `offset` and `limit` aside.
    pub total: u64,
}

/// The pagination parameters of a request, read from its query string; a parameter that
/// cannot be read is answered with HTTP 400 and OCPI 2001.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageParams(pub(crate) PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for PageParams {
    type Rejection = OcpiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, OcpiError> {
        let query = parts.uri.query().unwrap_or("");
        PageRequest::from_query(query)
            .map(PageParams)
            .map_err(|error| match error {
                ocpi_types::Error::InvalidParameter { name, message } => {
                    OcpiError::InvalidParameter { name, message }
                }
                other => OcpiError::InvalidParameter {
                    name: "query".to_owned(),
                    message: other.to_string(),
                },
            })
    }
}

/// The answer to a list request: the page's objects as `data`, with `X-Total-Count`,
/// `X-Limit` and, when more objects follow, `Link: <url>; rel="next"` (the URL of the
/// endpoint with the next offset and the same limit and filters).
pub(crate) fn paged_response<T: Serialize>(
    endpoint_url: &str,
    query: &PageQuery,
    page: Page<T>,
) -> Response {
    let consumed = page.items.len() as u64;
    paged_answer(endpoint_url, query, page.items, consumed, page.total)
}

/// [`paged_response`] of `items` made from `consumed` objects of a module's page of
/// `total` (fewer items than consumed when some were left out): the next offset moves by
/// `consumed`, so that nothing is sent twice or skipped.
pub(crate) fn paged_answer<T: Serialize>(
    endpoint_url: &str,
    query: &PageQuery,
    items: Vec<T>,
    consumed: u64,
    total: u64,
) -> Response {
    let next_offset = query.offset.saturating_add(consumed);
    let more = consumed > 0 && next_offset < total;
    let mut response = Reply::ok(items).into_response();
    let headers = response.headers_mut();
    headers.insert(X_TOTAL_COUNT, HeaderValue::from(total));
    headers.insert(X_LIMIT, HeaderValue::from(query.limit));
    if more {
        let next = PageRequest {
            date_from: query.date_from,
            date_to: query.date_to,
            offset: Some(next_offset),
            limit: Some(query.limit),
        };
        let link = format!("<{endpoint_url}?{}>; rel=\"next\"", next.to_query());
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(LINK, value);
        }
    }
    response
}
