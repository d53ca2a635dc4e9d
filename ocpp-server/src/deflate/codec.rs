//! The frame transformers, without I/O: [`Inbound`] turns the peer's bytes into frames
//! tungstenite can read, [`Outbound`] turns the frames tungstenite writes into the bytes we
//! send.

use std::borrow::Cow;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::Error;
use super::frame::{self, BINARY, CONTINUATION, Header, MAX_HEADER, TEXT};

/// What RFC 7692 section 7.2.2 has the receiver append to a compressed message: the end of
/// an empty stored block, which the sender removed.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Outgoing messages shorter than this are sent uncompressed when the context is reset after
/// every message: compression would not shrink them, and skips allocating a compressor.
pub(crate) const MIN_COMPRESSED: usize = 128;

/// Which end of the WebSocket we are: the client masks what it sends, the server does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// We accepted the connection.
    Server,
    /// We opened the connection.
    Client,
}

/// The read side: parses the peer's frames as they arrive, passes control frames and
/// uncompressed messages through byte for byte, and inflates each compressed message
/// (possibly fragmented, with control frames between its fragments) into one uncompressed
/// final frame.
///
/// A message the server inflates is re-emitted masked with the all-zero key, so tungstenite
/// keeps refusing unmasked frames from clients; frames inflated by the client are unmasked,
/// as a server's are. The masking rules of the compressed frames themselves are checked here.
pub(crate) struct Inbound {
    side: Side,
    /// The longest inflated message.
    limit: usize,
    /// Start every message with a fresh decompressor (the peer resets its context).
    reset: bool,
    inflater: Option<Decompress>,
    /// The header being read.
    head: Vec<u8>,
    state: ReadState,
    message: Message,
}

enum ReadState {
    /// Reading a header into `head`.
    Header,
    /// Copying this many more payload bytes through.
    Pass(u64),
    /// Inflating this many more payload bytes of a compressed message.
    Inflate {
        remaining: u64,
        mask: Option<[u8; 4]>,
        offset: usize,
        fin: bool,
    },
}

/// The data message in progress, if fragmented or compressed.
enum Message {
    None,
    /// An uncompressed message continues: its fragments pass through.
    Plain,
    /// A compressed message: what it inflated to so far.
    Compressed {
        opcode: u8,
        inflated: Vec<u8>,
        /// Compressed payload bytes read.
        read: usize,
        /// The DEFLATE stream ended with a final block: the rest is ignored.
        ended: bool,
    },
}

impl Inbound {
    /// A read side for `side`, inflating messages up to `limit` bytes.
    pub(crate) fn new(side: Side, limit: usize, reset: bool) -> Inbound {
        Inbound {
            side,
            limit,
            reset,
            inflater: None,
            head: Vec::with_capacity(MAX_HEADER),
            state: ReadState::Header,
            message: Message::None,
        }
    }

    /// Whether a decompressor is kept between messages (context takeover).
    #[cfg(test)]
    pub(crate) fn keeps_state(&self) -> bool {
        self.inflater.is_some()
    }

    /// The bytes the compressed message in progress inflated to so far (never more than the
    /// limit).
    pub(crate) fn inflated_len(&self) -> usize {
        match &self.message {
            Message::Compressed { inflated, .. } => inflated.len(),
            _ => 0,
        }
    }

    /// Reads `input`, appending the frames for tungstenite to `out`. After an error the
    /// connection must fail; the frames appended before it are whole.
    pub(crate) fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        while !input.is_empty() {
            match &mut self.state {
                ReadState::Header => {
                    let had = self.head.len();
                    let take = (MAX_HEADER - had).min(input.len());
                    self.head.extend_from_slice(&input[..take]);
                    match Header::parse(&self.head) {
                        Some((header, len)) => {
                            input = &input[len - had..];
                            self.head.truncate(len);
                            self.on_header(header, out)?;
                            self.head.clear();
                        }
                        None => input = &input[take..],
                    }
                }
                ReadState::Pass(remaining) => {
                    let n = input
                        .len()
                        .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                    out.extend_from_slice(&input[..n]);
                    *remaining -= n as u64;
                    input = &input[n..];
                }
                ReadState::Inflate {
                    remaining,
                    mask,
                    offset,
                    ..
                } => {
                    let n = input
                        .len()
                        .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                    *remaining -= n as u64;
                    let (mask, at) = (*mask, *offset);
                    *offset += n;
                    // Unmask through a small buffer rather than a copy of the payload.
                    let mut plain = [0; 4096];
                    for (i, piece) in input[..n].chunks(plain.len()).enumerate() {
                        let plain = &mut plain[..piece.len()];
                        plain.copy_from_slice(piece);
                        if let Some(key) = mask {
                            frame::apply_mask(plain, key, at + i * 4096);
                        }
                        self.inflate(plain)?;
                    }
                    input = &input[n..];
                }
            }
            self.settle(out)?;
        }
        Ok(())
    }

    /// Ends a frame whose payload is all read.
    fn settle(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self.state {
            ReadState::Pass(0) => self.state = ReadState::Header,
            ReadState::Inflate {
                remaining: 0, fin, ..
            } => {
                self.state = ReadState::Header;
                if fin {
                    self.finish(out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn on_header(&mut self, header: Header, out: &mut Vec<u8>) -> Result<(), Error> {
        if header.is_control() {
            if header.rsv1 {
                return Err(Error::Protocol("RSV1 set on a control frame"));
            }
            return self.pass(header, out);
        }
        match (&self.message, header.opcode) {
            (Message::None, CONTINUATION) | (Message::Plain, CONTINUATION) if !header.rsv1 => {
                if header.fin {
                    self.message = Message::None;
                }
                self.pass(header, out)
            }
            (Message::None, _) if !header.rsv1 => {
                if !header.fin && header.opcode != CONTINUATION {
                    self.message = Message::Plain;
                }
                self.pass(header, out)
            }
            (Message::None, TEXT | BINARY) => {
                self.message = Message::Compressed {
                    opcode: header.opcode,
                    inflated: Vec::new(),
                    read: 0,
                    ended: false,
                };
                self.start_inflating(header, out)
            }
            (Message::Compressed { .. }, CONTINUATION) if !header.rsv1 => {
                self.start_inflating(header, out)
            }
            (_, CONTINUATION) => Err(Error::Protocol("RSV1 set on a continuation frame")),
            (Message::None, _) => Err(Error::Protocol("RSV1 set on a reserved opcode")),
            _ => Err(Error::Protocol("a new message before the end of the last")),
        }
    }

    fn pass(&mut self, header: Header, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&self.head);
        self.state = ReadState::Pass(header.len);
        self.settle(out)
    }

    fn start_inflating(&mut self, header: Header, out: &mut Vec<u8>) -> Result<(), Error> {
        match (self.side, header.mask) {
            (Side::Server, None) => return Err(Error::Protocol("unmasked frame from a client")),
            (Side::Client, Some(_)) => return Err(Error::Protocol("masked frame from a server")),
            _ => {}
        }
        // Compressed data a little longer than the limit may still be within it (stored
        // blocks); far longer cannot.
        let slack = self.limit / 1024 + 1024;
        if let Message::Compressed { read, .. } = &mut self.message {
            let len = usize::try_from(header.len).unwrap_or(usize::MAX);
            *read = read.saturating_add(len);
            if *read > self.limit.saturating_add(slack) {
                return Err(Error::TooBig { limit: self.limit });
            }
        }
        self.state = ReadState::Inflate {
            remaining: header.len,
            mask: header.mask,
            offset: 0,
            fin: header.fin,
        };
        self.settle(out)
    }

    /// Inflates part of the compressed message, keeping within the limit.
    fn inflate(&mut self, mut input: &[u8]) -> Result<(), Error> {
        let Message::Compressed {
            inflated, ended, ..
        } = &mut self.message
        else {
            return Ok(());
        };
        let inflater = self.inflater.get_or_insert_with(|| Decompress::new(false));
        let mut buffer = [0; 8192];
        while !*ended {
            let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
            let status = inflater
                .decompress(input, &mut buffer, FlushDecompress::None)
                .map_err(|_| Error::Corrupt)?;
            let read = (inflater.total_in() - before_in) as usize;
            let written = (inflater.total_out() - before_out) as usize;
            input = &input[read..];
            if inflated.len() + written > self.limit {
                return Err(Error::TooBig { limit: self.limit });
            }
            inflated.extend_from_slice(&buffer[..written]);
            if status == Status::StreamEnd {
                *ended = true;
            }
            // Done when the input is used up and a call brings nothing more out: the
            // decompressor may hold back output even when it fills less than the buffer.
            if input.is_empty() && written == 0 {
                break;
            }
            if read == 0 && written == 0 {
                return Err(Error::Corrupt);
            }
        }
        Ok(())
    }

    /// Ends the compressed message: appends the tail, emits one uncompressed frame.
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.inflate(&TAIL)?;
        let Message::Compressed {
            opcode,
            inflated,
            ended,
            ..
        } = std::mem::replace(&mut self.message, Message::None)
        else {
            return Ok(());
        };
        let mask = match self.side {
            Side::Server => Some([0; 4]),
            Side::Client => None,
        };
        Header::data(opcode, inflated.len(), mask).write(out);
        out.extend_from_slice(&inflated);
        if self.reset || ended {
            self.inflater = None;
        }
        Ok(())
    }
}

/// The write side: parses the frames tungstenite writes and compresses each data message
/// (RSV1 on its first frame, the trailing `00 00 ff ff` removed), leaving control frames as
/// they are. A client's frames are unmasked, compressed and masked again with a fresh random
/// key.
pub(crate) struct Outbound {
    /// Start every message with a fresh compressor.
    reset: bool,
    deflater: Option<Compress>,
    /// The start of a frame not yet whole.
    pending: Vec<u8>,
    /// The data message in progress: `Some(compressed)` between its fragments.
    message: Option<bool>,
}

impl Outbound {
    /// A write side; with `reset`, every message is compressed on its own.
    pub(crate) fn new(reset: bool) -> Outbound {
        Outbound {
            reset,
            deflater: None,
            pending: Vec::new(),
            message: None,
        }
    }

    /// Whether a compressor is kept between messages (context takeover).
    #[cfg(test)]
    pub(crate) fn keeps_state(&self) -> bool {
        self.deflater.is_some()
    }

    /// Reads what tungstenite wrote, appending the bytes to send to `out`.
    pub(crate) fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let mut pending = std::mem::take(&mut self.pending);
        let data = if pending.is_empty() {
            input
        } else {
            pending.extend_from_slice(input);
            &pending
        };
        let mut at = 0;
        while let Some((header, len)) = Header::parse(&data[at..]) {
            let end = usize::try_from(header.len)
                .ok()
                .and_then(|payload| payload.checked_add(at + len));
            let Some(end) = end.filter(|&end| end <= data.len()) else {
                break;
            };
            self.frame(header, &data[at + len..end], &data[at..end], out)?;
            at = end;
        }
        let rest = data[at..].to_vec();
        self.pending = rest;
        Ok(())
    }

    fn frame(
        &mut self,
        header: Header,
        payload: &[u8],
        raw: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let compress = match (self.message, header.opcode) {
            _ if header.is_control() || header.rsv1 || header.rsv23 != 0 => false,
            (Some(compressed), CONTINUATION) => compressed,
            (None, TEXT | BINARY) => !(self.reset && header.fin && payload.len() < MIN_COMPRESSED),
            _ => false,
        };
        if !header.is_control() {
            self.message = (!header.fin).then_some(compress);
        }
        if !compress {
            out.extend_from_slice(raw);
            return Ok(());
        }
        let plain = match header.mask {
            Some(key) => {
                let mut plain = payload.to_vec();
                frame::apply_mask(&mut plain, key, 0);
                Cow::Owned(plain)
            }
            None => Cow::Borrowed(payload),
        };
        let mut compressed = self.deflate(&plain)?;
        if header.fin {
            if compressed.ends_with(&TAIL) {
                compressed.truncate(compressed.len() - TAIL.len());
            }
            if self.reset {
                self.deflater = None;
            }
        }
        let first = header.opcode != CONTINUATION;
        if self.reset && first && header.fin && compressed.len() >= plain.len() {
            // Not worth it; allowed only because no context is shared with the next message.
            out.extend_from_slice(raw);
            return Ok(());
        }
        let mask = match header.mask {
            Some(_) => {
                let mut key = [0; 4];
                getrandom::fill(&mut key).map_err(|_| Error::Random)?;
                frame::apply_mask(&mut compressed, key, 0);
                Some(key)
            }
            None => None,
        };
        let header = Header {
            rsv1: first,
            mask,
            len: compressed.len() as u64,
            ..header
        };
        header.write(out);
        out.extend_from_slice(&compressed);
        Ok(())
    }

    /// Compresses one frame's payload, ending with a sync flush.
    fn deflate(&mut self, mut input: &[u8]) -> Result<Vec<u8>, Error> {
        let deflater = self
            .deflater
            .get_or_insert_with(|| Compress::new(Compression::default(), false));
        let mut out = Vec::with_capacity(input.len() / 2 + 64);
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(1024));
            }
            let before = deflater.total_in();
            deflater
                .compress_vec(input, &mut out, FlushCompress::Sync)
                .map_err(|_| Error::Corrupt)?;
            input = &input[(deflater.total_in() - before) as usize..];
            // With room left over, the flush is complete.
            if input.is_empty() && out.len() < out.capacity() {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 64 * 1024;

    /// A frame as tungstenite would write it.
    fn frame(fin: bool, opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut header = Header::data(opcode, payload.len(), mask);
        header.fin = fin;
        header.write(&mut out);
        let mut payload = payload.to_vec();
        if let Some(key) = mask {
            frame::apply_mask(&mut payload, key, 0);
        }
        out.extend_from_slice(&payload);
        out
    }

    /// Every frame in `bytes`: header and unmasked payload.
    fn frames(mut bytes: &[u8]) -> Vec<(Header, Vec<u8>)> {
        let mut list = Vec::new();
        while !bytes.is_empty() {
            let (header, len) = Header::parse(bytes).expect("a whole header");
            let end = len + header.len as usize;
            let mut payload = bytes[len..end].to_vec();
            if let Some(key) = header.mask {
                frame::apply_mask(&mut payload, key, 0);
            }
            list.push((header, payload));
            bytes = &bytes[end..];
        }
        list
    }

    fn json(len: usize) -> Vec<u8> {
        let mut text = String::from("[2,\"1\",\"DataTransfer\",{\"vendorId\":\"x\",\"data\":\"");
        let mut i = 0u64;
        while text.len() < len - 3 {
            text.push_str(&format!("reading {i} ok; "));
            i += 1;
        }
        text.truncate(len - 3);
        text.push_str("\"}]");
        text.into_bytes()
    }

    #[test]
    fn inflates_the_example_of_rfc_7692() {
        // Section 7.2.3.1: "Hello" compressed, unmasked (from a server).
        let wire = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        let mut inbound = Inbound::new(Side::Client, LIMIT, true);
        let mut out = Vec::new();
        // Byte by byte, to cross every boundary.
        for byte in wire {
            inbound.feed(&[byte], &mut out).unwrap();
        }
        assert_eq!(out, frame(true, TEXT, b"Hello", None));
        // Section 7.2.3.2: the same, fragmented in two.
        let wire = [
            0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
        ];
        let mut out = Vec::new();
        inbound.feed(&wire, &mut out).unwrap();
        assert_eq!(out, frame(true, TEXT, b"Hello", None));
        // Section 7.2.3.3: with no compression (a stored block).
        let wire = [
            0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
        ];
        let mut out = Vec::new();
        inbound.feed(&wire, &mut out).unwrap();
        assert_eq!(out, frame(true, TEXT, b"Hello", None));
        // Masked, from a client, to a server: re-emitted with the zero key.
        let mut wire = frame(
            true,
            TEXT,
            &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
            Some([1, 2, 3, 4]),
        );
        wire[0] |= 0x40;
        let mut out = Vec::new();
        Inbound::new(Side::Server, LIMIT, true)
            .feed(&wire, &mut out)
            .unwrap();
        assert_eq!(out, frame(true, TEXT, b"Hello", Some([0; 4])));
    }

    #[test]
    fn compresses_like_the_example_of_rfc_7692() {
        // "Hello" is below the size worth compressing; the context is kept here.
        let mut outbound = Outbound::new(false);
        let mut out = Vec::new();
        outbound
            .feed(&frame(true, TEXT, b"Hello", None), &mut out)
            .unwrap();
        assert_eq!(out, [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        assert!(outbound.keeps_state());
        // Section 7.2.3.2: the second "Hello" refers to the first.
        let mut out = Vec::new();
        outbound
            .feed(&frame(true, TEXT, b"Hello", None), &mut out)
            .unwrap();
        assert_eq!(out, [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);
    }

    /// Sends `messages` from `from` to the other side: through its write side, then the
    /// other's read side, in pieces of `piece` bytes. Returns what tungstenite would read.
    fn carry(
        from: Side,
        reset: bool,
        messages: &[Vec<u8>],
        piece: usize,
    ) -> (Vec<(Header, Vec<u8>)>, usize) {
        let mask = (from == Side::Client).then_some([0x37, 0xfa, 0x21, 0x3d]);
        let to = match from {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        };
        let mut outbound = Outbound::new(reset);
        let mut inbound = Inbound::new(to, LIMIT, reset);
        let (mut wire, mut read) = (Vec::new(), Vec::new());
        for message in messages {
            outbound
                .feed(&frame(true, TEXT, message, mask), &mut wire)
                .unwrap();
        }
        for chunk in wire.chunks(piece) {
            inbound.feed(chunk, &mut read).unwrap();
        }
        assert_eq!(outbound.keeps_state(), !reset);
        assert_eq!(inbound.keeps_state(), !reset);
        (frames(&read), wire.len())
    }

    #[test]
    fn messages_round_trip_both_ways_with_and_without_context() {
        let messages = [json(300), json(20_000), json(5), Vec::new(), json(LIMIT)];
        for from in [Side::Client, Side::Server] {
            for reset in [true, false] {
                for piece in [1, 7, 4096, usize::MAX] {
                    let (read, wire) = carry(from, reset, &messages, piece);
                    let payloads: Vec<_> = read.iter().map(|(_, p)| p.clone()).collect();
                    assert_eq!(payloads, messages, "{from:?} {reset} {piece}");
                    for (header, _) in &read {
                        assert!(header.fin && !header.rsv1 && header.opcode == TEXT);
                        // The server reads masked frames, the client unmasked ones.
                        assert_eq!(header.mask.is_some(), from == Side::Client);
                    }
                    let plain: usize = messages.iter().map(Vec::len).sum();
                    assert!(wire < plain / 4, "{wire} bytes for {plain}");
                }
            }
        }
    }

    #[test]
    fn the_client_masks_compressed_frames_with_a_fresh_key() {
        let mut outbound = Outbound::new(true);
        let mut wire = Vec::new();
        let message = json(1000);
        let mask = [1, 2, 3, 4];
        outbound
            .feed(&frame(true, TEXT, &message, Some(mask)), &mut wire)
            .unwrap();
        let (header, _) = Header::parse(&wire).unwrap();
        assert!(header.rsv1 && header.mask.is_some());
        assert_ne!(header.mask, Some(mask));
        // Small messages go out as they are.
        let small = frame(true, TEXT, b"[2,\"1\",\"Heartbeat\",{}]", Some(mask));
        let mut wire = Vec::new();
        outbound.feed(&small, &mut wire).unwrap();
        assert_eq!(wire, small);
        // So do incompressible ones.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..2000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let raw = frame(true, BINARY, &noise, Some(mask));
        let mut wire = Vec::new();
        outbound.feed(&raw, &mut wire).unwrap();
        assert_eq!(wire, raw);
    }

    #[test]
    fn fragmented_messages_and_control_frames_between_them() {
        let message = json(30_000);
        let (a, b) = message.split_at(10_000);
        let (b, c) = b.split_at(10_000);
        let mask = Some([5, 6, 7, 8]);
        let ping = frame(true, 0x9, b"ping", mask);
        let mut written = Vec::new();
        written.extend(frame(false, TEXT, a, mask));
        written.extend(&ping);
        written.extend(frame(false, CONTINUATION, b, mask));
        written.extend(frame(true, CONTINUATION, c, mask));
        written.extend(frame(true, 0x8, &[0x03, 0xe8], mask));
        let mut outbound = Outbound::new(true);
        let mut wire = Vec::new();
        // As tungstenite may write it: in arbitrary pieces.
        for piece in written.chunks(999) {
            outbound.feed(piece, &mut wire).unwrap();
        }
        let sent = frames(&wire);
        let bits: Vec<_> = sent
            .iter()
            .map(|(h, _)| (h.fin, h.rsv1, h.opcode))
            .collect();
        assert_eq!(
            bits,
            [
                (false, true, TEXT),
                (true, false, 0x9),
                (false, false, CONTINUATION),
                (true, false, CONTINUATION),
                (true, false, 0x8)
            ]
        );
        assert!(wire.len() < written.len() / 4);
        let mut inbound = Inbound::new(Side::Server, LIMIT, true);
        let mut read = Vec::new();
        for piece in wire.chunks(100) {
            inbound.feed(piece, &mut read).unwrap();
        }
        let read = frames(&read);
        assert_eq!(read.len(), 3);
        // The ping overtakes the message it interrupted; the close comes last.
        assert_eq!(
            (read[0].0.opcode, read[0].1.as_slice()),
            (0x9, &b"ping"[..])
        );
        assert_eq!((read[1].0.opcode, &read[1].1), (TEXT, &message));
        assert_eq!(read[2].0.opcode, 0x8);
    }

    #[test]
    fn uncompressed_messages_pass_through_untouched() {
        let mut wire = frame(false, TEXT, b"not ", Some([1, 1, 1, 1]));
        wire.extend(frame(true, CONTINUATION, b"compressed", Some([2, 2, 2, 2])));
        wire.extend(frame(true, BINARY, &[], Some([3, 3, 3, 3])));
        let mut out = Vec::new();
        Inbound::new(Side::Server, LIMIT, true)
            .feed(&wire, &mut out)
            .unwrap();
        assert_eq!(out, wire);
    }

    /// A compressed frame of `message` from a server.
    fn compressed(message: &[u8]) -> Vec<u8> {
        let mut wire = Vec::new();
        Outbound::new(true)
            .feed(&frame(true, TEXT, message, None), &mut wire)
            .unwrap();
        wire
    }

    #[test]
    fn a_message_of_the_limit_passes_and_one_byte_more_does_not() {
        let exact = vec![b' '; LIMIT];
        let mut out = Vec::new();
        Inbound::new(Side::Client, LIMIT, true)
            .feed(&compressed(&exact), &mut out)
            .unwrap();
        assert_eq!(frames(&out), [(Header::data(TEXT, LIMIT, None), exact)]);
        let over = vec![b' '; LIMIT + 1];
        let mut out = Vec::new();
        let error = Inbound::new(Side::Client, LIMIT, true).feed(&compressed(&over), &mut out);
        assert_eq!(error, Err(Error::TooBig { limit: LIMIT }));
        assert!(out.is_empty());
    }

    #[test]
    fn output_held_back_by_the_decompressor_is_not_lost() {
        // Found by the `inflate` fuzz target: after the tail is appended, miniz_oxide returns
        // less than a full buffer yet still holds 17 bytes, which the next call gives. The
        // message inflates to 65,553 bytes, as zlib reads it too.
        const DATA: [u8; 88] = [
            0xec, 0xc1, 0x31, 0x01, 0x00, 0x00, 0x00, 0xc2, 0xa0, 0xf5, 0x4f, 0x6d, 0x08, 0x5f,
            0xa0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
            0x1d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xaf, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ];
        let mut wire = Vec::new();
        Header {
            fin: true,
            rsv1: true,
            rsv23: 0,
            opcode: TEXT,
            mask: None,
            len: DATA.len() as u64,
        }
        .write(&mut wire);
        wire.extend_from_slice(&DATA);
        let mut out = Vec::new();
        Inbound::new(Side::Client, 1 << 20, true)
            .feed(&wire, &mut out)
            .unwrap();
        let (header, len) = Header::parse(&out).unwrap();
        assert_eq!(header.len, 65_553);
        assert_eq!(out.len(), len + 65_553);
        let error = Inbound::new(Side::Client, 65_536, true).feed(&wire, &mut Vec::new());
        assert_eq!(error, Err(Error::TooBig { limit: 65_536 }));
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_limit() {
        // 8 MiB of zeros compress to about 8 KB; we stop after inflating 64 KiB of them.
        let zeros = vec![0; 8 << 20];
        let mut bomb = Vec::with_capacity(1 << 20);
        Compress::new(Compression::best(), false)
            .compress_vec(&zeros, &mut bomb, FlushCompress::Sync)
            .unwrap();
        assert!(bomb.len() < 16 * 1024);
        let mut wire = Vec::new();
        let mut header = Header::data(BINARY, bomb.len(), None);
        header.rsv1 = true;
        header.write(&mut wire);
        let mut inbound = Inbound::new(Side::Client, LIMIT, true);
        let mut out = Vec::new();
        let mut error = None;
        wire.extend_from_slice(&bomb);
        // Fed as a socket would; the first pieces already fail.
        for piece in wire.chunks(4096) {
            if let Err(e) = inbound.feed(piece, &mut out) {
                error = Some(e);
                break;
            }
        }
        assert_eq!(error, Some(Error::TooBig { limit: LIMIT }));
        // A compressed frame far longer than the limit fails before any inflating.
        let mut long = Vec::new();
        let mut header = Header::data(BINARY, 4 * LIMIT, None);
        header.rsv1 = true;
        header.write(&mut long);
        let error = Inbound::new(Side::Client, LIMIT, true).feed(&long, &mut Vec::new());
        assert_eq!(error, Err(Error::TooBig { limit: LIMIT }));
    }

    #[test]
    fn refuses_what_the_extension_forbids() {
        let refused =
            |side: Side, wire: &[u8]| Inbound::new(side, LIMIT, true).feed(wire, &mut Vec::new());
        let mut hello = compressed(b"Hello");
        hello[0] |= 0x40;
        // Compressed, but unmasked from a client.
        assert!(matches!(
            refused(Side::Server, &hello),
            Err(Error::Protocol(_))
        ));
        // RSV1 on a ping, on a continuation.
        assert!(matches!(
            refused(Side::Client, &[0xc9, 0x00]),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            refused(Side::Client, &[0x41, 0x01, 0x00, 0xc0, 0x00]),
            Err(Error::Protocol(_))
        ));
        // Not DEFLATE.
        assert_eq!(
            refused(Side::Client, &[0xc1, 0x02, 0xff, 0xff]),
            Err(Error::Corrupt)
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn side() -> impl Strategy<Value = Side> {
        prop_oneof![Just(Side::Client), Just(Side::Server)]
    }

    proptest! {
        /// Whatever the messages, the fragmentation, the cutting of the byte stream and the
        /// context mode, the reader gets back exactly what the writer was given.
        #[test]
        fn messages_survive_both_transformers(
            messages in prop::collection::vec(
                prop_oneof![
                    prop::collection::vec(any::<u8>(), 0..600),
                    "[a-c ]{0,3000}".prop_map(String::into_bytes),
                ],
                1..6,
            ),
            fragment in 1usize..2000,
            piece in 1usize..3000,
            from in side(),
            reset in any::<bool>(),
        ) {
            let mask = (from == Side::Client).then_some([0xa1, 0x02, 0xf3, 0x44]);
            let to = if from == Side::Client { Side::Server } else { Side::Client };
            let mut outbound = Outbound::new(reset);
            let mut inbound = Inbound::new(to, 1 << 20, reset);
            let mut wire = Vec::new();
            for message in &messages {
                let parts: Vec<&[u8]> = if message.is_empty() {
                    vec![&[]]
                } else {
                    message.chunks(fragment).collect()
                };
                for (i, part) in parts.iter().enumerate() {
                    let opcode = if i == 0 { BINARY } else { CONTINUATION };
                    let mut header = Header::data(opcode, part.len(), mask);
                    header.fin = i + 1 == parts.len();
                    let mut written = Vec::new();
                    header.write(&mut written);
                    let mut payload = part.to_vec();
                    if let Some(key) = mask {
                        frame::apply_mask(&mut payload, key, 0);
                    }
                    written.extend_from_slice(&payload);
                    outbound.feed(&written, &mut wire).unwrap();
                }
            }
            let mut read = Vec::new();
            for chunk in wire.chunks(piece) {
                inbound.feed(chunk, &mut read).unwrap();
            }
            // Reassemble what tungstenite would read.
            let mut got: Vec<Vec<u8>> = Vec::new();
            let mut bytes = &read[..];
            while !bytes.is_empty() {
                let (header, len) = Header::parse(bytes).unwrap();
                let end = len + header.len as usize;
                let mut payload = bytes[len..end].to_vec();
                if let Some(key) = header.mask {
                    frame::apply_mask(&mut payload, key, 0);
                }
                prop_assert!(!header.rsv1);
                if header.opcode == CONTINUATION {
                    got.last_mut().unwrap().extend_from_slice(&payload);
                } else {
                    got.push(payload);
                }
                bytes = &bytes[end..];
            }
            prop_assert_eq!(got, messages);
        }

        /// Arbitrary bytes from a peer end in frames or an error, never in a panic, and never
        /// in more output than the limit allows per message.
        #[test]
        fn arbitrary_input_never_panics(
            input in prop::collection::vec(any::<u8>(), 0..4000),
            compressed in prop::collection::vec(any::<u8>(), 0..2000),
            side in side(),
            reset in any::<bool>(),
        ) {
            let mut inbound = Inbound::new(side, 1000, reset);
            let mut out = Vec::new();
            let _ = inbound.feed(&input, &mut out);
            // A well-formed compressed frame around arbitrary DEFLATE data.
            let mask = (side == Side::Server).then_some([1, 2, 3, 4]);
            let mut header = Header::data(TEXT, compressed.len(), mask);
            header.rsv1 = true;
            let mut wire = Vec::new();
            header.write(&mut wire);
            wire.extend_from_slice(&compressed);
            let mut inbound = Inbound::new(side, 1000, reset);
            let mut out = Vec::new();
            if inbound.feed(&wire, &mut out).is_ok() && !out.is_empty() {
                let (header, len) = Header::parse(&out).unwrap();
                prop_assert!(header.len <= 1000);
                prop_assert_eq!(out.len(), len + header.len as usize);
            }
        }
    }
}
