//! WebSocket compression: the permessage-deflate extension (RFC 7692), which OCPP-J 2.0.1 and
//! 2.1 require a CSMS to support.
//!
//! tungstenite has no extension support (it refuses frames with RSV1 set), so compression is
//! a layer beneath it, between the socket and tungstenite:
//!
//! ```text
//! socket <-> DeflateStream (Inbound: inflate / Outbound: deflate) <-> tungstenite <-> Session
//! ```
//!
//! * [`negotiate`]: the `Sec-WebSocket-Extensions` offer and answer, for both ends.
//! * [`codec`]: the frame transformers, plain synchronous code. [`Inbound`] parses the peer's
//!   frames and turns each compressed message into one ordinary frame (RSV1 clear);
//!   [`Outbound`] parses the frames tungstenite writes and compresses each data message.
//!   Control frames and the peer's uncompressed messages pass through byte for byte.
//! * [`DeflateStream`]: the tokio adapter running them around a socket.
//!
//! Masking: a server re-emits the messages it inflated masked with the all-zero key, so
//! tungstenite's refusal of unmasked client frames stays on; the masking of the compressed
//! frames is checked in [`Inbound`]. A client's outgoing frames, masked by tungstenite, are
//! unmasked, compressed and masked again with a fresh random key.
//!
//! Memory: an inflated message is limited to the connection's
//! [`FrameLimits::max_frame_len`](ocpp_types::rpc::FrameLimits); past it the connection closes
//! with 1009, however small the compressed data (no decompression bombs). By default both
//! ends reset their context after every message (`no_context_takeover`): compressor and
//! decompressor exist only while a message is being handled, so an idle compressed connection
//! holds no compression state, only the layer's read and write buffers (kept up to 16 KiB
//! each; larger ones are released once drained). While a message is handled, the cost is its
//! inflated or compressed copy plus a compressor (about 310 KiB, outgoing messages of 128
//! bytes or more) or a decompressor (about 43 KiB).
//! With context takeover, a connection keeps a miniz_oxide compressor (about 310 KiB: 32 KiB
//! window, 128 KiB of hash chains, 64 KiB of LZ codes, 83 KiB output buffer) and a
//! decompressor (about 43 KiB) for its whole life, in exchange for better ratios on small,
//! repetitive messages.
//!
//! Security: under TLS, compressing secrets together with data an attacker chooses lets the
//! sizes of the messages leak the secrets (CRIME). Resetting the context after every message,
//! the default, confines that to what shares one message.

mod codec;
pub(crate) mod frame;
mod negotiate;
mod stream;

use std::io;

pub(crate) use codec::{Inbound, Outbound, Side};
pub(crate) use negotiate::{Agreed, client_check, client_offer, server_accept};
pub(crate) use stream::DeflateStream;

/// Why a compressed connection must fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Error {
    /// A compressed message inflates past the limit (close code 1009).
    #[error("compressed message inflating past {limit} bytes")]
    TooBig {
        /// The limit.
        limit: usize,
    },
    /// The compressed data is not DEFLATE (close code 1007).
    #[error("invalid compressed data")]
    Corrupt,
    /// Frames that break RFC 7692 or RFC 6455 (close code 1002).
    #[error("{0}")]
    Protocol(&'static str),
    /// The system had no randomness for a frame mask (close code 1011).
    #[error("no randomness for a frame mask")]
    Random,
}

impl Error {
    /// The WebSocket close code that reports the error to the peer.
    pub(crate) fn close_code(self) -> u16 {
        match self {
            Error::TooBig { .. } => 1009,
            Error::Corrupt => 1007,
            Error::Protocol(_) => 1002,
            Error::Random => 1011,
        }
    }

    /// The compression error inside an I/O error from a [`DeflateStream`], if it is one.
    pub(crate) fn from_io(error: &io::Error) -> Option<Error> {
        error.get_ref()?.downcast_ref::<Error>().copied()
    }
}

impl From<Error> for io::Error {
    fn from(error: Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, error)
    }
}

/// The transformers of one compressed connection.
pub(crate) struct Codec {
    inbound: Inbound,
    outbound: Outbound,
}

impl Codec {
    /// The server's side of `agreed`, inflating messages up to `limit` bytes.
    pub(crate) fn server(agreed: Agreed, limit: usize) -> Codec {
        Codec {
            inbound: Inbound::new(Side::Server, limit, agreed.client_no_context_takeover),
            outbound: Outbound::new(agreed.server_no_context_takeover),
        }
    }

    /// The client's side of `agreed`; without `context_takeover`, our messages are
    /// compressed one by one whatever the server allows.
    pub(crate) fn client(agreed: Agreed, limit: usize, context_takeover: bool) -> Codec {
        Codec {
            inbound: Inbound::new(Side::Client, limit, agreed.server_no_context_takeover),
            outbound: Outbound::new(agreed.client_no_context_takeover || !context_takeover),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_survives_the_trip_through_io() {
        let error = io::Error::from(Error::TooBig { limit: 10 });
        assert_eq!(Error::from_io(&error), Some(Error::TooBig { limit: 10 }));
        assert_eq!(Error::from_io(&error).map(Error::close_code), Some(1009));
        assert_eq!(Error::from_io(&io::ErrorKind::BrokenPipe.into()), None);
    }
}
