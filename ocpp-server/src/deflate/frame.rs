//! WebSocket frame headers (RFC 6455 section 5.2), read and written without I/O.

/// The continuation opcode.
pub(crate) const CONTINUATION: u8 = 0x0;
/// The text opcode.
pub(crate) const TEXT: u8 = 0x1;
/// The binary opcode.
pub(crate) const BINARY: u8 = 0x2;

/// The longest header: 2 bytes, 8 of extended length, 4 of mask.
pub(crate) const MAX_HEADER: usize = 14;

/// A frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) fin: bool,
    /// RSV1: "compressed" on the first frame of a message under permessage-deflate.
    pub(crate) rsv1: bool,
    /// RSV2 and RSV3, kept as they are (tungstenite refuses them).
    pub(crate) rsv23: u8,
    pub(crate) opcode: u8,
    pub(crate) mask: Option<[u8; 4]>,
    pub(crate) len: u64,
}

impl Header {
    /// A final, uncompressed frame of `len` bytes.
    pub(crate) fn data(opcode: u8, len: usize, mask: Option<[u8; 4]>) -> Header {
        Header {
            fin: true,
            rsv1: false,
            rsv23: 0,
            opcode,
            mask,
            len: len as u64,
        }
    }

    /// Whether this is a control frame (close, ping, pong and the reserved 0xB to 0xF).
    pub(crate) fn is_control(&self) -> bool {
        self.opcode & 0x8 != 0
    }

    /// Reads a header from the start of `bytes`: the header and its length, or `None` while
    /// `bytes` holds only part of it.
    pub(crate) fn parse(bytes: &[u8]) -> Option<(Header, usize)> {
        let (&first, &second) = (bytes.first()?, bytes.get(1)?);
        let (len, mut at) = match second & 0x7f {
            126 => (
                u64::from(u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?])),
                4,
            ),
            127 => {
                let raw: [u8; 8] = bytes.get(2..10)?.try_into().ok()?;
                (u64::from_be_bytes(raw), 10)
            }
            short => (u64::from(short), 2),
        };
        let mask = if second & 0x80 != 0 {
            let key: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
            at += 4;
            Some(key)
        } else {
            None
        };
        let header = Header {
            fin: first & 0x80 != 0,
            rsv1: first & 0x40 != 0,
            rsv23: first & 0x30,
            opcode: first & 0x0f,
            mask,
            len,
        };
        Some((header, at))
    }

    /// Appends the header to `out`, with the shortest length encoding.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let mut first = self.opcode & 0x0f | self.rsv23 & 0x30;
        if self.fin {
            first |= 0x80;
        }
        if self.rsv1 {
            first |= 0x40;
        }
        let masked = if self.mask.is_some() { 0x80 } else { 0 };
        out.push(first);
        match self.len {
            0..=125 => out.push(masked | self.len as u8),
            126..=0xffff => {
                out.push(masked | 126);
                out.extend_from_slice(&(self.len as u16).to_be_bytes());
            }
            _ => {
                out.push(masked | 127);
                out.extend_from_slice(&self.len.to_be_bytes());
            }
        }
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
        }
    }
}

/// Masks or unmasks `data` with `key`, `data` starting `offset` bytes into the payload.
pub(crate) fn apply_mask(data: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, byte) in data.iter_mut().enumerate() {
        *byte ^= key[(offset + i) % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_in_every_length_encoding() {
        for len in [0, 1, 125, 126, 0xffff, 0x1_0000, 5_000_000] {
            for mask in [None, Some([1, 2, 3, 4])] {
                let header = Header {
                    fin: len % 2 == 0,
                    rsv1: mask.is_some(),
                    rsv23: 0,
                    opcode: TEXT,
                    mask,
                    len,
                };
                let mut bytes = Vec::new();
                header.write(&mut bytes);
                assert_eq!(Header::parse(&bytes), Some((header, bytes.len())));
                for cut in 0..bytes.len() {
                    assert_eq!(Header::parse(&bytes[..cut]), None);
                }
            }
        }
    }

    #[test]
    fn reads_the_bits_of_the_first_byte() {
        // RFC 7692 section 7.2.3.1: a compressed, unmasked text frame holding "Hello".
        let (header, len) = Header::parse(&[0xc1, 0x07]).unwrap();
        assert_eq!(len, 2);
        assert!(header.fin && header.rsv1 && !header.is_control());
        assert_eq!((header.opcode, header.len, header.mask), (TEXT, 7, None));
        let (ping, _) = Header::parse(&[0x89, 0x00]).unwrap();
        assert!(ping.is_control());
    }

    #[test]
    fn masking_twice_restores_the_data() {
        let mut data = b"Hello, world".to_vec();
        apply_mask(&mut data[..5], [9, 8, 7, 6], 0);
        apply_mask(&mut data[5..], [9, 8, 7, 6], 5);
        assert_ne!(&data, b"Hello, world");
        apply_mask(&mut data, [9, 8, 7, 6], 0);
        assert_eq!(&data, b"Hello, world");
    }
}
