//! Entry points for fuzzing the parsers a peer reaches before and beside the OCPP-J frames:
//! the HTTP upgrade request head and the permessage-deflate layer.
//!
//! Not part of the supported API (hidden from the documentation, may change in any release):
//! the fuzz targets of the `fuzz/` crate call these functions, and so do the tests that replay
//! their committed corpora. Each runs the crate-private code on arbitrary bytes the way the
//! server does, and **panics** when an expectation breaks, so that the fuzzer reports it.

use flate2::{Decompress, FlushDecompress, Status};
use ocpp_types::OcppVersion;

use crate::deflate::frame::{self, BINARY, CONTINUATION, Header, TEXT};
use crate::deflate::{Inbound, Outbound, Side, client_check, server_accept};
use crate::server::handshake::{self, MAX_HEAD, MAX_IDENTITY, Refusal};

/// What the server would answer to an upgrade request head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadOutcome {
    /// The head is not complete yet: the server reads on.
    Incomplete,
    /// The head is an upgrade request the server would go on with (to authentication): the
    /// station address and a version were found for at least one configuration tried.
    Upgrade,
    /// The server refuses it with this HTTP status.
    Refused(u16),
}

/// Runs `head` (the bytes a client sent before its WebSocket frames) through the server's
/// reading of an upgrade request: `parse`, then for a complete request the station address
/// under three path configurations, the OCPP version negotiation under three preferences, the
/// Basic credentials and the permessage-deflate offers; writes the answers (`101` or a
/// refusal) and reads them back as HTTP responses.
///
/// Panics when the request head's length is beyond the input, when a shorter prefix of a
/// complete head reads differently, when an address breaks the identity rules (1 to 48
/// characters, no control characters), when a negotiated version is not one offered, when an
/// extension answer does not satisfy a client, or when an answer is not a well-formed HTTP
/// response.
pub fn upgrade_request(head: &[u8]) -> HeadOutcome {
    let (request, len) = match handshake::parse(head) {
        Ok(None) => {
            assert!(
                head.len() < MAX_HEAD,
                "a head of {} bytes still read on",
                head.len()
            );
            return HeadOutcome::Incomplete;
        }
        Err(refusal) => {
            check_refusal(&refusal);
            return HeadOutcome::Refused(refusal.status);
        }
        Ok(Some(parsed)) => parsed,
    };
    assert!(
        len > 0 && len <= head.len(),
        "head length {len} of {}",
        head.len()
    );
    // The server reads in chunks: the head alone, without what follows, reads the same, and
    // every shorter prefix is incomplete or (past the size limit) refused.
    assert_eq!(
        handshake::parse(&head[..len]),
        Ok(Some((request.clone(), len)))
    );
    for cut in [len / 2, len - 1] {
        if let Ok(Some(_)) = handshake::parse(&head[..cut]) {
            panic!("a prefix of {cut} bytes of a {len}-byte head is complete");
        }
    }

    let mut outcome = None;
    for (prefix, tenant_in_path) in [("ocpp", false), ("ocpp", true), ("", false)] {
        let address = match handshake::address(&request.path, prefix, tenant_in_path) {
            Ok(address) => address,
            Err(refusal) => {
                check_refusal(&refusal);
                outcome.get_or_insert(refusal.status);
                continue;
            }
        };
        for segment in std::iter::once(address.identity()).chain(address.tenant()) {
            let chars = segment.chars().count();
            assert!((1..=MAX_IDENTITY).contains(&chars), "segment {segment:?}");
            assert!(
                !segment.chars().any(char::is_control),
                "segment {segment:?}"
            );
        }
        assert_eq!(address.tenant().is_some(), tenant_in_path);
        let _ = address.to_string();
        for (preference, fallback) in [
            (&[OcppVersion::V201, OcppVersion::V16][..], None),
            (&[OcppVersion::V21][..], Some(OcppVersion::V16)),
            (&OcppVersion::ALL[..], Some(OcppVersion::V201)),
        ] {
            match handshake::negotiate(request.protocols.as_deref(), preference, fallback) {
                Ok(version) => {
                    match &request.protocols {
                        Some(offered) => {
                            assert!(preference.contains(&version));
                            assert!(
                                offered
                                    .iter()
                                    .any(|name| name.eq_ignore_ascii_case(version.subprotocol()))
                            );
                        }
                        None => assert_eq!(Some(version), fallback),
                    }
                    outcome = Some(101);
                    let answer = answer_extensions(&request.extensions);
                    check_accept(&handshake::accept(
                        &request.key,
                        Some(version),
                        answer.as_deref(),
                    ));
                }
                Err(refusal) => {
                    check_refusal(&refusal);
                    outcome.get_or_insert(refusal.status);
                }
            }
        }
    }
    if let Some(authorization) = &request.authorization {
        if let Some((user, _password)) = handshake::basic_credentials(authorization) {
            assert!(!user.contains(':'), "user {user:?}");
        }
    }
    match outcome {
        Some(101) | None => HeadOutcome::Upgrade,
        Some(status) => HeadOutcome::Refused(status),
    }
}

/// The server's answer to the extension offers, with and without context takeover; every
/// answer must satisfy our client.
fn answer_extensions(offers: &[String]) -> Option<String> {
    let mut answer = None;
    for context_takeover in [false, true] {
        let Some(agreed) = server_accept(offers.iter().map(String::as_str), context_takeover)
        else {
            continue;
        };
        if !context_takeover {
            assert!(agreed.server_no_context_takeover && agreed.client_no_context_takeover);
        }
        let header = agreed.header();
        assert_eq!(
            client_check([header.as_str()]),
            Ok(Some(agreed)),
            "{header}"
        );
        answer.get_or_insert(header);
    }
    answer
}

/// A refusal: a 4xx or 5xx response whose body is its reason.
fn check_refusal(refusal: &Refusal) {
    assert!((400..600).contains(&refusal.status), "{refusal:?}");
    let response = refusal.response();
    let (status, body) = read_response(response.as_bytes());
    assert_eq!(status, refusal.status);
    assert_eq!(body, format!("{}\n", refusal.reason).as_bytes());
}

/// A `101 Switching Protocols` answer.
fn check_accept(response: &str) {
    let (status, body) = read_response(response.as_bytes());
    assert_eq!(status, 101);
    assert!(body.is_empty());
}

/// The status and body of a whole HTTP response, whose body is `Content-Length` long.
fn read_response(bytes: &[u8]) -> (u16, &[u8]) {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        other => panic!(
            "not an HTTP response ({other:?}): {:?}",
            String::from_utf8_lossy(bytes)
        ),
    };
    let content_length = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .map_or(0, |h| {
            std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .expect("a Content-Length number")
        });
    let body = &bytes[len..];
    assert_eq!(body.len(), content_length, "Content-Length");
    (response.code.expect("a status"), body)
}

/// What the permessage-deflate read side made of some input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InflateOutcome {
    /// The input was read without error.
    Read,
    /// A compressed message inflated past the limit (the connection closes with 1009).
    TooBig,
    /// The connection fails for another reason (corrupt data 1007, protocol error 1002).
    Failed,
}

/// Runs `data` through the permessage-deflate read side (what the server does with every
/// byte a compressed connection receives), configured by the first bytes: the inflated-size
/// limit (16 bytes to 1 MiB), server or client side, context takeover, and the size of the
/// reads the input arrives in. With the mode bit clear, the rest is read as raw WebSocket
/// frames; with it set, the rest is the payload of one compressed message, sent in fragments
/// (masked with a key for the server side) and compared with an independent decompression.
/// Last, the payload is compressed by the write side and must inflate back to itself.
///
/// Panics when a message in progress or an inflated frame is ever longer than the limit, when
/// a fragmented message inflates differently from the same bytes in one frame, when a message
/// read whole differs from what `flate2` makes of its payload, or when the write side's output
/// does not inflate back to its input.
pub fn inflate(data: &[u8]) -> InflateOutcome {
    let [config, seed, cuts, rest @ ..] = data else {
        return InflateOutcome::Read;
    };
    let limit = 16usize << (config & 0x0f).min(16);
    let side = if config & 0x10 == 0 {
        Side::Server
    } else {
        Side::Client
    };
    let reset = config & 0x20 == 0;
    let chunk = usize::from(*seed).max(1) * 7;
    if config & 0x40 == 0 {
        let outcome = read_frames(rest, side, limit, reset, chunk);
        round_trip(rest, side, limit, reset);
        return outcome;
    }

    // One compressed message, in fragments.
    let mask = match side {
        Side::Server => Some([config ^ 0x5a, *seed, *cuts, 0xa5]),
        Side::Client => None,
    };
    let whole = message(rest, &[], mask);
    let fragmented = message(rest, &cut_points(*cuts, rest.len()), mask);
    let once = read_message(&whole, side, limit, reset, whole.len().max(1));
    let in_pieces = read_message(&fragmented, side, limit, reset, chunk);
    match (&once, &in_pieces) {
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "{} bytes inflated whole, {} in fragments",
            a.len(),
            b.len()
        ),
        (Err(_), Err(_)) => {}
        _ => panic!("whole {once:?}, in fragments {in_pieces:?}"),
    }
    let reference = reference_inflate(rest, limit + 1);
    match &once {
        Ok(inflated) => {
            assert!(inflated.len() <= limit);
            let reference = reference.expect("flate2 inflates it too");
            assert!(
                reference == *inflated,
                "flate2 inflates {} bytes, the read side {}",
                reference.len(),
                inflated.len()
            );
        }
        Err(_) => {
            // Whatever flate2 makes of it, it is either not DEFLATE or longer than the limit.
            if let Some(reference) = &reference {
                assert!(
                    reference.len() > limit || rest.len() > limit + limit / 1024 + 1024,
                    "refused, though flate2 inflates it to {} bytes",
                    reference.len()
                );
            }
        }
    }
    round_trip(rest, side, limit, reset);
    match once {
        Ok(_) => InflateOutcome::Read,
        Err(true) => InflateOutcome::TooBig,
        Err(false) => InflateOutcome::Failed,
    }
}

/// Feeds `input` in reads of `chunk` bytes, checking the limit after each.
fn read_frames(
    input: &[u8],
    side: Side,
    limit: usize,
    reset: bool,
    chunk: usize,
) -> InflateOutcome {
    let mut inbound = Inbound::new(side, limit, reset);
    let mut out = Vec::new();
    for piece in input.chunks(chunk) {
        let fed = inbound.feed(piece, &mut out);
        assert!(inbound.inflated_len() <= limit, "message past the limit");
        if let Err(error) = fed {
            let code = error.close_code();
            assert!([1002, 1007, 1009].contains(&code), "{error:?}");
            return if code == 1009 {
                InflateOutcome::TooBig
            } else {
                InflateOutcome::Failed
            };
        }
    }
    InflateOutcome::Read
}

/// One compressed message of `payload`, cut into fragments at `cuts`: RSV1 on the first,
/// continuation opcodes after it, a ping between each two.
fn message(payload: &[u8], cuts: &[usize], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut start = 0;
    let ends = cuts.iter().copied().chain([payload.len()]);
    for (i, end) in ends.enumerate() {
        let piece = &payload[start..end];
        let last = end == payload.len();
        if i > 0 {
            Header {
                fin: true,
                rsv1: false,
                rsv23: 0,
                opcode: 0x9,
                mask,
                len: 0,
            }
            .write(&mut bytes);
        }
        Header {
            fin: last,
            rsv1: i == 0,
            rsv23: 0,
            opcode: if i == 0 { TEXT } else { CONTINUATION },
            mask,
            len: piece.len() as u64,
        }
        .write(&mut bytes);
        let at = bytes.len();
        bytes.extend_from_slice(piece);
        if let Some(key) = mask {
            frame::apply_mask(&mut bytes[at..], key, 0);
        }
        start = end;
    }
    bytes
}

/// Up to three increasing cut points in `0..len`, from the bits of `seed`.
fn cut_points(seed: u8, len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..usize::from(seed & 0x3))
        .map(|i| len * usize::from((seed >> (2 + 2 * i)) & 0x3) / 4)
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts.retain(|&cut| cut < len);
    cuts
}

/// Reads the frames of one message: the inflated payload of the one data frame that comes
/// out, or whether it failed with "too big". Checks the limit after every read.
fn read_message(
    wire: &[u8],
    side: Side,
    limit: usize,
    reset: bool,
    chunk: usize,
) -> Result<Vec<u8>, bool> {
    let mut inbound = Inbound::new(side, limit, reset);
    let mut out = Vec::new();
    for piece in wire.chunks(chunk) {
        let fed = inbound.feed(piece, &mut out);
        assert!(inbound.inflated_len() <= limit, "message past the limit");
        fed.map_err(|error| error.close_code() == 1009)?;
    }
    let mut data = None;
    let mut rest = &out[..];
    while !rest.is_empty() {
        let (header, len) = Header::parse(rest).expect("whole frames come out");
        let end = len + usize::try_from(header.len).expect("a short frame");
        let mut payload = rest[len..end].to_vec();
        if let Some(key) = header.mask {
            frame::apply_mask(&mut payload, key, 0);
        }
        assert_eq!(header.mask.is_some(), side == Side::Server);
        if !header.is_control() {
            assert!(header.fin && !header.rsv1 && header.opcode == TEXT);
            assert!(payload.len() <= limit, "an inflated frame past the limit");
            assert!(data.replace(payload).is_none(), "two messages out of one");
        }
        rest = &rest[end..];
    }
    Ok(data.expect("the message comes out"))
}

/// `payload` followed by the tail RFC 7692 has the receiver append, inflated by `flate2` in
/// one go, up to the end of the DEFLATE stream or of the input; `None` when it is not
/// DEFLATE. Stops once past `bound` bytes.
fn reference_inflate(payload: &[u8], bound: usize) -> Option<Vec<u8>> {
    let mut input = payload.to_vec();
    input.extend_from_slice(&[0x00, 0x00, 0xff, 0xff]);
    let mut inflater = Decompress::new(false);
    let mut out = Vec::with_capacity(bound.min(1 << 16));
    loop {
        if out.len() > bound {
            return Some(out);
        }
        out.reserve(8192);
        let consumed = inflater.total_in() as usize;
        let before = out.len();
        let status = inflater
            .decompress_vec(&input[consumed..], &mut out, FlushDecompress::None)
            .ok()?;
        let consumed_now = inflater.total_in() as usize;
        if status == Status::StreamEnd {
            return Some(out);
        }
        if consumed_now == input.len() && out.len() - before < 8192 {
            return Some(out);
        }
        if consumed_now == consumed && out.len() == before {
            return None;
        }
    }
}

/// `payload` as a message the write side compresses, read by the other side: it must come out
/// as it went in (or, past the limit, be refused as too big).
fn round_trip(payload: &[u8], to: Side, limit: usize, reset: bool) {
    let mask = match to {
        Side::Server => Some([1, 2, 3, 4]),
        Side::Client => None,
    };
    let opcode = if payload.first().is_some_and(|b| b & 1 == 1) {
        BINARY
    } else {
        TEXT
    };
    let mut written = Vec::new();
    Header::data(opcode, payload.len(), mask).write(&mut written);
    let at = written.len();
    written.extend_from_slice(payload);
    if let Some(key) = mask {
        frame::apply_mask(&mut written[at..], key, 0);
    }
    let mut wire = Vec::new();
    Outbound::new(reset)
        .feed(&written, &mut wire)
        .expect("the write side compresses");
    let mut inbound = Inbound::new(to, limit, reset);
    let mut out = Vec::new();
    match inbound.feed(&wire, &mut out) {
        Ok(()) => {
            let (header, len) = Header::parse(&out).expect("a frame");
            assert_eq!(header.opcode, opcode);
            let mut inflated = out[len..].to_vec();
            if let Some(key) = header.mask {
                frame::apply_mask(&mut inflated, key, 0);
            }
            assert_eq!(inflated, payload, "the message changed on the way");
            assert_eq!(len + inflated.len(), out.len());
        }
        Err(error) => {
            assert_eq!(error.close_code(), 1009, "{error:?}");
            assert!(
                payload.len() > limit,
                "refused a message of {}",
                payload.len()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgrade_request_is_read_and_answered() {
        let head = b"GET /ocpp/acme/CP-1 HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\
            Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
            Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\
            Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
        assert_eq!(upgrade_request(head), HeadOutcome::Upgrade);
        assert_eq!(upgrade_request(&head[..30]), HeadOutcome::Incomplete);
        assert_eq!(
            upgrade_request(b"POST / HTTP/1.1\r\n\r\n"),
            HeadOutcome::Refused(405)
        );
    }

    #[test]
    fn a_bomb_is_too_big_and_a_small_message_is_read() {
        // A megabyte of zeros compresses to about a kilobyte.
        let mut wire = Vec::new();
        let zeros = vec![0u8; 1 << 20];
        let mut deflater = flate2::Compress::new(flate2::Compression::best(), false);
        let mut compressed = Vec::with_capacity(1 << 16);
        deflater
            .compress_vec(&zeros, &mut compressed, flate2::FlushCompress::Sync)
            .unwrap();
        compressed.truncate(compressed.len() - 4);
        // A limit of 16 << 10 bytes, server side, one message.
        wire.extend_from_slice(&[0x4a, 10, 0]);
        wire.extend_from_slice(&compressed);
        assert_eq!(inflate(&wire), InflateOutcome::TooBig);
        let mut small = vec![0x4a, 10, 0];
        let mut compressed = Vec::with_capacity(256);
        flate2::Compress::new(flate2::Compression::best(), false)
            .compress_vec(
                b"[2,\"1\",\"Heartbeat\",{}]",
                &mut compressed,
                flate2::FlushCompress::Sync,
            )
            .unwrap();
        small.extend_from_slice(&compressed[..compressed.len() - 4]);
        assert_eq!(inflate(&small), InflateOutcome::Read);
        assert_eq!(inflate(&[0x4a, 1, 0, 0xff, 0xff]), InflateOutcome::Failed);
    }
}
