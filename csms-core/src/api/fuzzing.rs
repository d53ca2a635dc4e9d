//! Entry point for fuzzing the admin API's request bodies.
//!
//! Not part of the supported API (hidden from the documentation, may change in any release):
//! the `api_body` target of the `fuzz/` crate calls it, and so does the test that replays its
//! committed corpus.

use axum::http::StatusCode;

use super::handlers::read_bodies;

/// Reads `body` as every request body type of the admin API, the way the handlers read a
/// request's body before they ask the store: JSON into the type, then the checks that need
/// neither store nor caller. Returns how many types accepted it.
///
/// Panics when a body is refused with anything but `400 Bad Request` (not JSON or not of the
/// type) or `422 Unprocessable Entity` (a value out of its range), or with an empty message.
pub fn request_body(body: &[u8]) -> usize {
    let mut accepted = 0;
    for (name, read) in read_bodies(body) {
        match read {
            Ok(()) => accepted += 1,
            Err(error) => {
                let status = error.status();
                assert!(
                    status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
                    "{name} refused with {status}: {error}"
                );
                assert!(!error.code().is_empty() && !error.to_string().is_empty());
            }
        }
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NewToken, TokenKind};

    #[test]
    fn a_token_body_is_read_and_checked() {
        let token = serde_json::to_vec(&NewToken::accepted("04A2B3C4", TokenKind::Rfid)).unwrap();
        assert!(request_body(&token) >= 1);
        let blank = serde_json::to_vec(&NewToken::accepted("", TokenKind::Rfid)).unwrap();
        assert_eq!(request_body(&blank), request_body(&token) - 1);
        assert_eq!(request_body(b"not json"), 0);
    }
}
