//! The HTTP upgrade request head a station sends before any WebSocket frame: parsed as the
//! server reads it, the station address, OCPP version, Basic credentials and permessage-deflate
//! offers taken from it, and the answers (101 or a refusal) read back as HTTP responses. See
//! `ocpp_server::fuzzing::upgrade_request` for the expectations checked.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ocpp_server::fuzzing::upgrade_request(data);
});
