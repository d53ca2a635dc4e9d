//! Random credentials tokens and message ids, from the OS random source.

use crate::error::OcpiError;

/// A new credentials token: 32 random bytes from the OS (a CSPRNG), as 64 lowercase
/// hexadecimal digits (the longest token OCPI allows is 64 characters).
pub fn generate_token() -> Result<String, OcpiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|error| OcpiError::Internal(format!("no random bytes: {error}")))?;
    Ok(hex(&bytes))
}

/// A new message id (`X-Request-ID`, `X-Correlation-ID`): 16 random bytes as hexadecimal
/// digits, or, should the OS random source fail, the current time.
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 16];
    match getrandom::fill(&mut bytes) {
        Ok(()) => hex(&bytes),
        Err(_) => format!(
            "{:x}",
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
