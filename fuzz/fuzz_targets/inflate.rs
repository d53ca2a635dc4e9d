//! The permessage-deflate read side: raw frames or one fragmented compressed message, under a
//! limit of 16 bytes to 1 MiB chosen by the first byte; nothing may panic, and no message in
//! progress or inflated frame may ever be longer than the limit. See
//! `ocpp_server::fuzzing::inflate` for the expectations checked.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ocpp_server::fuzzing::inflate(data);
});
