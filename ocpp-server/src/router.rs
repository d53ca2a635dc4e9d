//! Typed handlers: the application registers one `async fn` per version and action.
//!
//! ```
//! use ocpp_server::{Context, ErrorReply, Router};
//! use ocpp_types::v16;
//!
//! async fn boot(
//!     ctx: Context,
//!     request: v16::BootNotificationRequest,
//! ) -> Result<v16::BootNotificationResponse, ErrorReply> {
//!     tracing::info!(station = ctx.identity(), vendor = %request.charge_point_vendor, "boot");
//!     Ok(v16::BootNotificationResponse {
//!         status: v16::RegistrationStatus::Accepted,
//!         current_time: chrono::Utc::now(),
//!         interval: 300,
//!     })
//! }
//!
//! let router = Router::new()
//!     .on(boot)
//!     .on(|_ctx, _request: v16::HeartbeatRequest| async {
//!         Ok(v16::HeartbeatResponse { current_time: chrono::Utc::now() })
//!     });
//! assert!(router.handles(ocpp_types::OcppVersion::V16, "Heartbeat"));
//! ```
//!
//! A CALL of an action without a handler is answered with `NotImplemented`. A handler runs in
//! its own task, so it may call the station back (through [`Context::station`]) and await the
//! answer while the connection goes on.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ocpp_types::validate::Violation;
use ocpp_types::{OcppCall, OcppSend, OcppVersion};
use serde_json::value::RawValue;

use crate::session::ErrorReply;
use crate::station::{StationAddress, StationHandle};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type CallHandler = dyn Fn(Context, Box<dyn Any + Send>) -> BoxFuture<Result<Box<RawValue>, ErrorReply>>
    + Send
    + Sync;
type SendHandler = dyn Fn(Context, Box<dyn Any + Send>) -> BoxFuture<()> + Send + Sync;

/// What a handler knows about the message it handles.
#[derive(Debug, Clone)]
pub struct Context {
    station: StationHandle,
    warnings: Vec<Violation>,
}

impl Context {
    pub(crate) fn new(station: StationHandle, warnings: Vec<Violation>) -> Context {
        Context { station, warnings }
    }

    /// The identity of the peer (the station, on a CSMS).
    pub fn identity(&self) -> &str {
        self.station.identity()
    }

    /// Where the peer connected: its tenant, if the server has tenants, and identity.
    pub fn address(&self) -> &StationAddress {
        self.station.address()
    }

    /// The OCPP version of the connection.
    pub fn version(&self) -> OcppVersion {
        self.station.version()
    }

    /// What the station storage attached to the connection when it admitted it, if it
    /// attached a `T` ([`Attachment`](crate::Attachment)).
    pub fn attachment<T: std::any::Any>(&self) -> Option<&T> {
        self.station.attachment()
    }

    /// A handle to call the peer back.
    pub fn station(&self) -> &StationHandle {
        &self.station
    }

    /// What lenient validation let through in this message.
    pub fn warnings(&self) -> &[Violation] {
        &self.warnings
    }
}

/// The handlers of an application, by version and action. Build it once and hand it to a
/// [`Server`](crate::server::Server) or a [`ChargePoint`](crate::client::ChargePoint).
#[derive(Clone, Default)]
pub struct Router {
    calls: HashMap<(OcppVersion, &'static str), Arc<CallHandler>>,
    sends: HashMap<(OcppVersion, &'static str), Arc<SendHandler>>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut actions: Vec<_> = self.calls.keys().chain(self.sends.keys()).collect();
        actions.sort_by_key(|(version, action)| (version.as_str(), *action));
        f.debug_struct("Router").field("actions", &actions).finish()
    }
}

impl Router {
    /// A router without handlers.
    pub fn new() -> Router {
        Router::default()
    }

    /// Registers the handler of CALLs of `C` (replacing an earlier one).
    pub fn on<C, F, Fut>(mut self, handler: F) -> Router
    where
        C: OcppCall,
        F: Fn(Context, C) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<C::Response, ErrorReply>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let erased = move |ctx: Context, request: Box<dyn Any + Send>| -> BoxFuture<_> {
            let handler = Arc::clone(&handler);
            Box::pin(async move {
                let request = request
                    .downcast::<C>()
                    .map_err(|_| ErrorReply::internal())?;
                let response = handler(ctx, *request).await?;
                serde_json::value::to_raw_value(&response).map_err(|_| ErrorReply::internal())
            })
        };
        self.calls.insert((C::VERSION, C::ACTION), Arc::new(erased));
        self
    }

    /// Registers the handler of SEND messages of `S` (2.1).
    pub fn on_send<S, F, Fut>(mut self, handler: F) -> Router
    where
        S: OcppSend,
        F: Fn(Context, S) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let erased = move |ctx: Context, message: Box<dyn Any + Send>| -> BoxFuture<()> {
            let handler = Arc::clone(&handler);
            Box::pin(async move {
                if let Ok(message) = message.downcast::<S>() {
                    handler(ctx, *message).await;
                }
            })
        };
        self.sends.insert((S::VERSION, S::ACTION), Arc::new(erased));
        self
    }

    /// The versions in which at least one handler is registered, oldest first. A [`Server`](crate::server::Server) offers stations only these versions.
    pub fn versions(&self) -> Vec<OcppVersion> {
        let mut versions: Vec<OcppVersion> = self
            .calls
            .keys()
            .chain(self.sends.keys())
            .map(|(version, _)| *version)
            .collect();
        versions.sort();
        versions.dedup();
        versions
    }

    /// Whether the router has no handler at all (it only calls the peer).
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty() && self.sends.is_empty()
    }

    /// Whether a handler for CALLs or SENDs of `action` in `version` is registered.
    pub fn handles(&self, version: OcppVersion, action: &str) -> bool {
        self.calls.keys().any(|key| *key == (version, action))
            || self.sends.keys().any(|key| *key == (version, action))
    }

    pub(crate) fn call_handler(
        &self,
        version: OcppVersion,
        action: &'static str,
    ) -> Option<Arc<CallHandler>> {
        self.calls.get(&(version, action)).cloned()
    }

    pub(crate) fn send_handler(
        &self,
        version: OcppVersion,
        action: &'static str,
    ) -> Option<Arc<SendHandler>> {
        self.sends.get(&(version, action)).cloned()
    }
}
