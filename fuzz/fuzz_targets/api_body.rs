//! The admin API's request bodies: the input read as each body type (JSON into the type, then
//! the checks that need no store), refused only with 400 or 422. See
//! `csms_core::api::fuzzing::request_body`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    csms_core::api::fuzzing::request_body(data);
});
