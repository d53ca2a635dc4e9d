//! The charge-point side: connect to a CSMS, make typed calls, answer its calls.
//!
//! ```no_run
//! use ocpp_server::client::{ChargePoint, ChargePointConfig};
//! use ocpp_server::Router;
//! use ocpp_types::{OcppVersion, v16};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut config = ChargePointConfig::new("ws://127.0.0.1:9000/ocpp", "CP-1");
//! config.versions = vec![OcppVersion::V16];
//! let router = Router::new().on(|_ctx, _request: v16::ClearCacheRequest| async {
//!     Ok(v16::ClearCacheResponse { status: v16::ClearCacheStatus::Accepted })
//! });
//! let station = ChargePoint::connect(config, router).await?;
//! let boot: v16::BootNotificationRequest = serde_json::from_str(
//!     r#"{"chargePointVendor": "ACME", "chargePointModel": "One"}"#,
//! )?;
//! let answer = station.call(&boot).await?;
//! println!("{:?}", answer.status);
//! # Ok(())
//! # }
//! ```
//!
//! With [`ChargePointConfig::compression`], the charge point offers WebSocket compression
//! (permessage-deflate, RFC 7692) and uses it if the CSMS agrees.
//!
//! After the first connection, a background task reconnects with exponential back-off
//! whenever the connection drops; calls made while disconnected fail with
//! [`CallFailure::NotConnected`].

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ocpp_types::rpc::FrameLimits;
use ocpp_types::validate::ValidationOptions;
use ocpp_types::{OcppCall, OcppSend, OcppVersion};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, Uri};
use tracing::{Instrument, info, info_span, warn};

use crate::connection::{self, Keepalive, Peer, websocket_config};
use crate::deflate::{self, Codec, DeflateStream};
use crate::router::Router;
use crate::session::{Role, Session, SessionConfig};
use crate::station::{CallFailure, StationHandle};

/// Why a charge point could not connect.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL is not a `ws://` or `wss://` URL.
    #[error("bad CSMS URL {0:?}")]
    Url(String),
    /// A `wss://` URL without a TLS configuration.
    #[error("wss:// needs a TLS configuration")]
    NoTls,
    /// TCP or TLS failed.
    #[error("connection failed: {0}")]
    Io(#[from] io::Error),
    /// The WebSocket upgrade failed (for example the CSMS answered 401).
    #[error("WebSocket upgrade failed: {0}")]
    Upgrade(String),
    /// The CSMS chose no subprotocol, or one that was not offered.
    #[error("the CSMS accepted none of the offered versions")]
    NoCommonVersion,
}

/// When to try again after the connection drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first wait.
    pub initial: Duration,
    /// The longest wait; each failed attempt doubles the wait up to it.
    pub max: Duration,
}

/// Settings of a [`ChargePoint`].
///
/// [`Debug`](std::fmt::Debug) shows whether a password is set, never the password.
#[derive(Clone)]
#[non_exhaustive]
pub struct ChargePointConfig {
    /// The CSMS endpoint without the identity, such as `ws://host:9000/ocpp`.
    pub url: String,
    /// The station identity, appended to the URL.
    pub identity: String,
    /// The versions offered, in order of preference (default 2.0.1, 1.6).
    pub versions: Vec<OcppVersion>,
    /// The Basic authentication password (security profiles 1 and 2).
    pub password: Option<String>,
    /// The TLS settings for `wss://` (see [`crate::tls::client_config`]).
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Reconnection after a drop (`None`: the charge point stays disconnected).
    pub reconnect: Option<Backoff>,
    /// How our calls wait for their answer (default 30 s).
    pub call_timeout: Duration,
    /// The longest frame accepted (default 1 MiB).
    pub frame_limits: FrameLimits,
    /// How payloads are validated (default strict).
    pub validation: ValidationOptions,
    /// Pings and dead-peer detection.
    pub keepalive: Keepalive,
    /// Whether to offer permessage-deflate (default `false`). A compressed message
    /// inflating past [`Self::frame_limits`] closes the connection with 1009.
    pub compression: bool,
    /// Whether compression may keep its context from one message to the next (default
    /// `false`): better ratios on small messages, but a compressor and a decompressor (about
    /// 350 KiB) kept for the connection's life.
    pub compression_context_takeover: bool,
    /// How long writing to the CSMS may take (default 30 s): past it, the connection is
    /// dropped (and reconnected, with [`Self::reconnect`]).
    pub write_timeout: Duration,
}

impl std::fmt::Debug for ChargePointConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChargePointConfig")
            .field("url", &self.url)
            .field("identity", &self.identity)
            .field("versions", &self.versions)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .field("reconnect", &self.reconnect)
            .field("call_timeout", &self.call_timeout)
            .field("frame_limits", &self.frame_limits)
            .field("validation", &self.validation)
            .field("keepalive", &self.keepalive)
            .field("compression", &self.compression)
            .field(
                "compression_context_takeover",
                &self.compression_context_takeover,
            )
            .finish()
    }
}

impl ChargePointConfig {
    /// Defaults for `identity` connecting to `url`.
    pub fn new(url: impl Into<String>, identity: impl Into<String>) -> ChargePointConfig {
        ChargePointConfig {
            url: url.into(),
            identity: identity.into(),
            versions: vec![OcppVersion::V201, OcppVersion::V16],
            password: None,
            tls: None,
            reconnect: Some(Backoff {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(60),
            }),
            call_timeout: SessionConfig::DEFAULT_CALL_TIMEOUT,
            frame_limits: FrameLimits::default(),
            validation: ValidationOptions::strict(),
            keepalive: Keepalive::default(),
            compression: false,
            compression_context_takeover: false,
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// A connected charge point. Dropping it closes the connection.
#[derive(Debug)]
pub struct ChargePoint {
    current: watch::Receiver<Option<StationHandle>>,
    stop: watch::Sender<bool>,
}

impl ChargePoint {
    /// Connects (once; an error means the first attempt failed) and keeps the connection,
    /// reconnecting as [`ChargePointConfig::reconnect`] says.
    pub async fn connect(
        config: ChargePointConfig,
        router: Router,
    ) -> Result<ChargePoint, ClientError> {
        let (ws, version) = connect_once(&config).await?;
        let (stop, stopped) = watch::channel(false);
        let (publish, current) = watch::channel(None);
        let span = info_span!("charge_point", station = %config.identity);
        tokio::spawn(
            keep_connected(config, Arc::new(router), ws, version, publish, stopped)
                .instrument(span),
        );
        let mut waiting = current.clone();
        let _ = waiting.wait_for(Option::is_some).await;
        Ok(ChargePoint { current, stop })
    }

    /// The current connection, if connected.
    pub fn handle(&self) -> Option<StationHandle> {
        self.current.borrow().clone()
    }

    /// The version of the current connection.
    pub fn version(&self) -> Option<OcppVersion> {
        self.current.borrow().as_ref().map(StationHandle::version)
    }

    /// Waits until connected (again) and returns the connection.
    pub async fn connected(&self) -> Option<StationHandle> {
        let mut current = self.current.clone();
        let handle = current.wait_for(Option::is_some).await.ok()?;
        handle.clone()
    }

    /// Calls the CSMS on the current connection.
    pub async fn call<C: OcppCall>(&self, request: &C) -> Result<C::Response, CallFailure> {
        let handle = self.handle().ok_or(CallFailure::NotConnected)?;
        handle.call(request).await
    }

    /// Sends a SEND message (2.1) on the current connection.
    pub async fn send<S: OcppSend>(&self, message: &S) -> Result<(), CallFailure> {
        let handle = self.handle().ok_or(CallFailure::NotConnected)?;
        handle.send(message).await
    }

    /// Closes the connection (normal closure) and stops reconnecting.
    pub async fn close(self) {
        let _ = self.stop.send(true);
        if let Some(handle) = self.handle() {
            handle.close(1000, "closing").await;
        }
    }
}

impl Drop for ChargePoint {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(handle) = self.current.borrow().as_ref() {
            handle.try_close(1000, "closing");
        }
    }
}

async fn keep_connected(
    config: ChargePointConfig,
    router: Arc<Router>,
    ws: WebSocketStream<Stream>,
    version: OcppVersion,
    publish: watch::Sender<Option<StationHandle>>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut next = Some((ws, version));
    let mut wait = config.reconnect.map(|b| b.initial);
    loop {
        if let Some((ws, version)) = next.take() {
            let mut session_config = SessionConfig::new(version, Role::ChargingStation);
            session_config.call_timeout = config.call_timeout;
            session_config.frame_limits = config.frame_limits;
            session_config.validation = config.validation.clone();
            let Ok(session) = Session::new(session_config) else {
                return;
            };
            let (sender, instructions) = mpsc::channel(16);
            let handle = StationHandle::new(config.identity.as_str().into(), version, sender);
            publish.send_replace(Some(handle.clone()));
            let compressed = ws.get_ref().is_compressed();
            info!(%version, compressed, "connected");
            let peer = Peer {
                handle,
                instructions,
                router: Arc::clone(&router),
                storage: None,
                keepalive: config.keepalive,
                shutdown: stopped.clone(),
                grace: Duration::ZERO,
                write_timeout: config.write_timeout,
            };
            let ended = connection::run(ws, session, peer).await;
            publish.send_replace(None);
            info!(%ended, "disconnected");
            wait = config.reconnect.map(|b| b.initial);
        }
        let (Some(delay), Some(backoff)) = (wait, config.reconnect) else {
            return;
        };
        if *stopped.borrow() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = stopped.changed() => return,
        }
        match connect_once(&config).await {
            Ok(connected) => next = Some(connected),
            Err(error) => {
                warn!(%error, "reconnection failed");
                wait = Some((delay * 2).min(backoff.max));
            }
        }
    }
}

async fn connect_once(
    config: &ChargePointConfig,
) -> Result<(WebSocketStream<Stream>, OcppVersion), ClientError> {
    let bad_url = || ClientError::Url(config.url.clone());
    let url = format!(
        "{}/{}",
        config.url.trim_end_matches('/'),
        percent_encode(&config.identity)
    );
    let uri: Uri = url.parse().map_err(|_| bad_url())?;
    let secure = match uri.scheme_str() {
        Some("ws") => false,
        Some("wss") => true,
        _ => return Err(bad_url()),
    };
    let host = uri.host().ok_or_else(bad_url)?.to_owned();
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let tcp = TcpStream::connect((host.trim_matches(['[', ']']), port)).await?;
    let _ = tcp.set_nodelay(true);
    let stream = if secure {
        let tls = config.tls.clone().ok_or(ClientError::NoTls)?;
        let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
            .map_err(|_| bad_url())?;
        let stream = tokio_rustls::TlsConnector::from(tls)
            .connect(name, tcp)
            .await?;
        ClientStream::Tls(Box::new(stream))
    } else {
        ClientStream::Plain(tcp)
    };
    let mut request = url
        .into_client_request()
        .map_err(|e| ClientError::Upgrade(e.to_string()))?;
    let protocols = config
        .versions
        .iter()
        .map(|v| v.subprotocol())
        .collect::<Vec<_>>()
        .join(", ");
    let headers = request.headers_mut();
    headers.insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_str(&protocols).map_err(|_| bad_url())?,
    );
    if let Some(password) = &config.password {
        let credentials = STANDARD.encode(format!("{}:{password}", config.identity));
        let value = HeaderValue::from_str(&format!("Basic {credentials}"))
            .map_err(|e| ClientError::Upgrade(e.to_string()))?;
        headers.insert("Authorization", value);
    }
    let stream = if config.compression {
        let offer = deflate::client_offer(config.compression_context_takeover);
        headers.insert(
            "Sec-WebSocket-Extensions",
            HeaderValue::from_str(&offer).map_err(|_| bad_url())?,
        );
        // Frames right behind the answer must wait until we know whether they are compressed.
        DeflateStream::before_handshake(stream)
    } else {
        DeflateStream::plain(stream)
    };
    let ws_config = websocket_config(config.frame_limits, 4096);
    // tungstenite passes our Sec-WebSocket-Extensions through and leaves the answer to us.
    let (mut ws, response) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config))
            .await
            .map_err(|e| ClientError::Upgrade(e.to_string()))?;
    let answer = response
        .headers()
        .get_all("Sec-WebSocket-Extensions")
        .iter()
        .map(|value| value.to_str().unwrap_or("\u{0}"));
    let agreed = deflate::client_check(answer).map_err(ClientError::Upgrade)?;
    if agreed.is_some() && !config.compression {
        return Err(ClientError::Upgrade(
            "the CSMS answered with an extension not offered".to_owned(),
        ));
    }
    let codec = agreed.map(|agreed| {
        let limit = config.frame_limits.max_frame_len;
        Codec::client(agreed, limit, config.compression_context_takeover)
    });
    ws.get_mut().start(codec);
    let chosen = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(OcppVersion::from_subprotocol)
        .filter(|v| config.versions.contains(v))
        .ok_or(ClientError::NoCommonVersion)?;
    Ok((ws, chosen))
}

fn percent_encode(identity: &str) -> String {
    let mut out = String::with_capacity(identity.len());
    for byte in identity.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The connection, compressed or not.
type Stream = DeflateStream<ClientStream>;

/// A plain or TLS connection.
#[derive(Debug)]
enum ClientStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for ClientStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ClientStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let mut config = ChargePointConfig::new("ws://127.0.0.1:9000/ocpp", "CP-1");
        assert!(format!("{config:?}").contains("password: None"));
        config.password = Some("correct horse battery staple".to_owned());
        let shown = format!("{config:?}");
        assert!(!shown.contains("correct horse"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(shown.contains("CP-1"), "{shown}");
        let pretty = format!("{config:#?}");
        assert!(!pretty.contains("correct horse"), "{pretty}");
    }
}
