//! Serving a router over HTTP/1 with hyper's timer, so that its header-read timeout holds.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use super::ApiLimits;

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets
/// the requests in progress finish (idle connections are closed at once) and returns when
/// every connection has closed.
///
/// Unlike `axum::serve`, it holds the connection limits of `limits`: a client that does not
/// send a request's complete headers within [`ApiLimits::header_read_timeout`] (a
/// "slow-loris" client, or an idle kept-alive connection) is disconnected, and at most
/// [`ApiLimits::max_connections`] connections are served at once. The request limits are
/// the router's ([`Api::with_limits`](super::Api::with_limits)). Each request carries the
/// client's address as [`ConnectInfo<SocketAddr>`], which keys the rate limit of requests
/// without credentials. HTTP/1.1 only.
///
/// ```no_run
/// use std::sync::Arc;
/// use csms_core::api::{Api, ApiLimits, NoStations};
/// use csms_core::store::SqliteStore;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = Arc::new(SqliteStore::open("csms.db").await?);
/// let limits = ApiLimits::default();
/// let router = Api::new(store, Arc::new(NoStations))
///     .with_system_key("a long random string")
///     .with_limits(limits.clone())
///     .router();
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// // Sending on `stop` (or dropping it) shuts the server down.
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// csms_core::api::serve(listener, router, &limits, async {
///     let _ = stopped.await;
/// })
/// .await;
/// # drop(stop);
/// # Ok(())
/// # }
/// ```
pub async fn serve<F>(listener: TcpListener, router: Router, limits: &ApiLimits, shutdown: F)
where
    F: Future<Output = ()>,
{
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Tells the connections to finish; each holds a `closed` receiver until it ends.
    let (stop, stopping) = watch::channel(());
    let (closed_tx, closed) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    // Out of file descriptors and the like: wait for some to be freed.
                    tracing::error!(%error, "the admin API cannot accept connections");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            router.clone().oneshot(request)
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let mut stopping = stopping.clone();
        let closed = closed.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _closed = closed;
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, %peer, "admin API connection ended");
            }
        });
    }
    drop(listener);
    let _ = stop.send(());
    drop(closed);
    closed_tx.closed().await;
}

/// Whether an accept error concerns one connection only (the next accept may work at once).
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
