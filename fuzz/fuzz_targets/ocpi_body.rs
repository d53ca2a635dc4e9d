//! OCPI request bodies: the input read as a Token, Location, Session, CDR, Tariff and
//! Credentials of OCPI 2.2.1 and 2.1.1, in strict and lenient mode, checked as a payload, and
//! decoded objects written back and read again. See `ocpi_types::fuzzing::request_body`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ocpi_types::fuzzing::request_body(data);
});
