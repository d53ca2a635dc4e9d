//! [`DeflateStream`]: the tokio adapter that runs the transformers around a socket.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{Codec, Error};

/// Past this many bytes waiting for the socket, writes wait.
const HIGH_WATER: usize = 64 * 1024;
/// Buffers larger than this are released once drained, so idle connections stay small.
const KEEP: usize = 16 * 1024;

/// A socket seen through permessage-deflate: tungstenite reads and writes ordinary frames,
/// the peer sees compressed ones. Without a [`Codec`] every call goes straight to the socket.
pub(crate) struct DeflateStream<S> {
    inner: S,
    layer: Option<Box<Layer>>,
    /// Before a client handshake: reads stop at the end of the response head.
    head: Option<Box<Head>>,
}

struct Layer {
    codec: Codec,
    /// Frames for tungstenite, from `read_at`.
    read: Vec<u8>,
    read_at: usize,
    /// Bytes for the socket, from `write_at`.
    write: Vec<u8>,
    write_at: usize,
    eof: bool,
    failed: Option<Error>,
}

/// Finds the end of an HTTP head (an empty line) in what is read.
struct Head {
    /// The last bytes read, one per byte of the register.
    last: u32,
    /// Read past the end of the head.
    rest: Option<Vec<u8>>,
}

impl Head {
    /// The position in `bytes` just past the end of the head, if it is there: `\r\n\r\n`,
    /// or `\n\n` as lenient parsers also accept.
    fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &byte) in bytes.iter().enumerate() {
            self.last = self.last << 8 | u32::from(byte);
            if self.last == u32::from_be_bytes(*b"\r\n\r\n") || self.last & 0xffff == 0x0a0a {
                return Some(i + 1);
            }
        }
        None
    }
}

impl Layer {
    fn new(codec: Codec, already_read: &[u8]) -> Box<Layer> {
        let mut layer = Box::new(Layer {
            codec,
            read: Vec::new(),
            read_at: 0,
            write: Vec::new(),
            write_at: 0,
            eof: false,
            failed: None,
        });
        layer.take_in(already_read);
        layer
    }

    /// Runs the peer's bytes through the read side.
    fn take_in(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            if let Err(error) = self.codec.inbound.feed(bytes, &mut self.read) {
                self.failed = Some(error);
            }
        }
    }

    /// Writes what waits for the socket.
    fn drain<S: AsyncWrite + Unpin>(
        &mut self,
        inner: &mut S,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        while self.write_at < self.write.len() {
            match Pin::new(&mut *inner).poll_write(cx, &self.write[self.write_at..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.write_at += n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => {
                    self.write.drain(..self.write_at);
                    self.write_at = 0;
                    return Poll::Pending;
                }
            }
        }
        self.write.clear();
        self.write_at = 0;
        release(&mut self.write);
        Poll::Ready(Ok(()))
    }
}

/// Frees a drained buffer that grew large.
fn release(buffer: &mut Vec<u8>) {
    if buffer.capacity() > KEEP {
        *buffer = Vec::new();
    }
}

impl<S> DeflateStream<S> {
    /// `inner` after the handshake: compressed with `codec`, whose read side first gets
    /// `already_read` (bytes read past the handshake).
    pub(crate) fn new(inner: S, codec: Codec, already_read: &[u8]) -> DeflateStream<S> {
        DeflateStream {
            inner,
            layer: Some(Layer::new(codec, already_read)),
            head: None,
        }
    }

    /// `inner`, uncompressed.
    pub(crate) fn plain(inner: S) -> DeflateStream<S> {
        DeflateStream {
            inner,
            layer: None,
            head: None,
        }
    }

    /// `inner` before a client handshake whose answer decides on compression: reads stop at
    /// the end of the response head, so that frames sent right behind it wait for
    /// [`Self::start`] instead of reaching tungstenite compressed.
    pub(crate) fn before_handshake(inner: S) -> DeflateStream<S> {
        DeflateStream {
            inner,
            layer: None,
            head: Some(Box::new(Head {
                last: 0,
                rest: None,
            })),
        }
    }

    /// After the handshake: compresses with `codec`, or not at all.
    pub(crate) fn start(&mut self, codec: Option<Codec>) {
        let rest = self
            .head
            .take()
            .and_then(|head| head.rest)
            .unwrap_or_default();
        match codec {
            Some(codec) => self.layer = Some(Layer::new(codec, &rest)),
            // Frames read with the head are then served as they are.
            None if !rest.is_empty() => {
                self.head = Some(Box::new(Head {
                    last: 0,
                    rest: Some(rest),
                }));
            }
            None => {}
        }
    }

    /// Whether the connection is compressed.
    pub(crate) fn is_compressed(&self) -> bool {
        self.layer.is_some()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for DeflateStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let DeflateStream { inner, layer, head } = self.get_mut();
        if let Some(guard) = head {
            match &mut guard.rest {
                Some(rest) => {
                    let n = rest.len().min(buf.remaining());
                    buf.put_slice(&rest[..n]);
                    rest.drain(..n);
                    if rest.is_empty() {
                        *head = None;
                    }
                }
                None => {
                    let before = buf.filled().len();
                    ready!(Pin::new(inner).poll_read(cx, buf))?;
                    if let Some(end) = guard.scan(&buf.filled()[before..]) {
                        guard.rest = Some(buf.filled()[before + end..].to_vec());
                        buf.set_filled(before + end);
                    }
                }
            }
            return Poll::Ready(Ok(()));
        }
        let Some(layer) = layer else {
            return Pin::new(inner).poll_read(cx, buf);
        };
        loop {
            if layer.read_at < layer.read.len() {
                let n = (layer.read.len() - layer.read_at).min(buf.remaining());
                buf.put_slice(&layer.read[layer.read_at..layer.read_at + n]);
                layer.read_at += n;
                if layer.read_at == layer.read.len() {
                    layer.read.clear();
                    layer.read_at = 0;
                    release(&mut layer.read);
                }
                return Poll::Ready(Ok(()));
            }
            if let Some(error) = layer.failed {
                return Poll::Ready(Err(error.into()));
            }
            if layer.eof {
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0; 8192];
            let mut chunk = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut *inner).poll_read(cx, &mut chunk))?;
            if chunk.filled().is_empty() {
                layer.eof = true;
            } else {
                layer.take_in(chunk.filled());
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for DeflateStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let DeflateStream { inner, layer, .. } = self.get_mut();
        let Some(layer) = layer else {
            return Pin::new(inner).poll_write(cx, data);
        };
        match layer.drain(inner, cx) {
            Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
            Poll::Pending if layer.write.len() - layer.write_at >= HIGH_WATER => {
                return Poll::Pending;
            }
            _ => {}
        }
        if let Err(error) = layer.codec.outbound.feed(data, &mut layer.write) {
            return Poll::Ready(Err(error.into()));
        }
        if let Poll::Ready(Err(error)) = layer.drain(inner, cx) {
            return Poll::Ready(Err(error));
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let DeflateStream { inner, layer, .. } = self.get_mut();
        if let Some(layer) = layer {
            ready!(layer.drain(inner, cx))?;
        }
        Pin::new(inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let DeflateStream { inner, layer, .. } = self.get_mut();
        if let Some(layer) = layer {
            ready!(layer.drain(inner, cx))?;
        }
        Pin::new(inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::{AsyncReadExt, DuplexStream};
    use tokio_tungstenite::WebSocketStream;
    use tokio_tungstenite::tungstenite::error::Error as WsError;
    use tokio_tungstenite::tungstenite::protocol::Role;
    use tokio_tungstenite::tungstenite::{Bytes, Message};

    use super::*;
    use crate::deflate::{Agreed, Outbound};

    const RESET: Agreed = Agreed {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: None,
    };

    type Ws = WebSocketStream<DeflateStream<DuplexStream>>;

    /// A client and a server, tungstenite on both, compressed with `agreed`.
    async fn pair(agreed: Agreed, server_limit: usize) -> (Ws, Ws) {
        let (client, server) = tokio::io::duplex(16 * 1024);
        let client = DeflateStream::new(client, Codec::client(agreed, 1 << 20, false), &[]);
        let server = DeflateStream::new(server, Codec::server(agreed, server_limit), &[]);
        (
            WebSocketStream::from_raw_socket(client, Role::Client, None).await,
            WebSocketStream::from_raw_socket(server, Role::Server, None).await,
        )
    }

    fn report(len: usize) -> String {
        let mut text = String::from("[2,\"1\",\"NotifyReport\",{\"reportData\":[");
        let mut i = 0;
        while text.len() < len {
            text.push_str(&format!(
                "{{\"component\":{{\"name\":\"EVSE\"}},\"variable\":{{\"name\":\"Power{i}\"}},\
                 \"variableAttribute\":[{{\"value\":\"{}\"}}]}},",
                i * 37
            ));
            i += 1;
        }
        text.push_str("{}]}]");
        text
    }

    #[tokio::test]
    async fn tungstenite_talks_through_the_layer_both_ways() {
        for agreed in [
            RESET,
            Agreed {
                server_no_context_takeover: false,
                client_no_context_takeover: false,
                server_max_window_bits: None,
            },
        ] {
            let (mut client, mut server) = pair(agreed, 1 << 20).await;
            let big = report(200_000);
            let messages = [big.clone(), "[2,\"2\",\"Heartbeat\",{}]".to_owned(), big];
            for text in &messages {
                client.send(Message::text(text.as_str())).await.unwrap();
                let read = server.next().await.unwrap().unwrap();
                assert_eq!(read.to_text().unwrap(), text);
                server.send(Message::text(text.as_str())).await.unwrap();
                let read = client.next().await.unwrap().unwrap();
                assert_eq!(read.to_text().unwrap(), text);
            }
            assert!(client.get_ref().is_compressed());
            // Control frames pass through: tungstenite answers a ping with a pong.
            client
                .send(Message::Ping(Bytes::from_static(b"hi")))
                .await
                .unwrap();
            assert_eq!(
                server.next().await.unwrap().unwrap(),
                Message::Ping(Bytes::from_static(b"hi"))
            );
            server.flush().await.unwrap();
            assert_eq!(
                client.next().await.unwrap().unwrap(),
                Message::Pong(Bytes::from_static(b"hi"))
            );
            client.close(None).await.unwrap();
            assert!(matches!(server.next().await, Some(Ok(Message::Close(_)))));
        }
    }

    #[tokio::test]
    async fn a_message_inflating_past_the_limit_fails_the_read() {
        let (mut client, mut server) = pair(RESET, 100_000).await;
        client
            .send(Message::text(" ".repeat(100_000)))
            .await
            .unwrap();
        assert!(server.next().await.unwrap().is_ok());
        client
            .send(Message::text(" ".repeat(100_001)))
            .await
            .unwrap();
        match server.next().await {
            Some(Err(WsError::Io(error))) => {
                assert_eq!(
                    Error::from_io(&error),
                    Some(Error::TooBig { limit: 100_000 })
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn finds_the_end_of_a_head_across_reads() {
        let mut head = Head {
            last: 0,
            rest: None,
        };
        assert_eq!(head.scan(b"HTTP/1.1 101 OK\r\nA: b\r"), None);
        assert_eq!(head.scan(b"\n\r"), None);
        assert_eq!(head.scan(b"\nxyz"), Some(1));
        let mut head = Head {
            last: 0,
            rest: None,
        };
        assert_eq!(head.scan(b"HTTP/1.1 101 OK\nA: b\n\nxyz"), Some(22));
    }

    #[tokio::test]
    async fn the_client_handshake_stops_at_the_end_of_the_head() {
        let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
        let mut frame = Vec::new();
        let text = report(1000);
        let mut header = Vec::new();
        super::super::frame::Header::data(1, text.len(), None).write(&mut header);
        header.extend_from_slice(text.as_bytes());
        Outbound::new(true).feed(&header, &mut frame).unwrap();
        assert_eq!(frame[0], 0xc1);
        let mut wire = head.to_vec();
        wire.extend_from_slice(&frame);
        let mut stream = DeflateStream::before_handshake(&wire[..]);
        let mut read = vec![0; 4096];
        let n = stream.read(&mut read).await.unwrap();
        assert_eq!(&read[..n], head);
        stream.start(Some(Codec::client(RESET, 1 << 20, false)));
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
        assert_eq!(&rest[2..4], &(text.len() as u16).to_be_bytes());
        assert_eq!(&rest[4..], text.as_bytes());
        // Without compression, the frames come as they were.
        let mut stream = DeflateStream::before_handshake(&wire[..]);
        let n = stream.read(&mut read).await.unwrap();
        assert_eq!(&read[..n], head);
        stream.start(None);
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, frame);
    }
}
