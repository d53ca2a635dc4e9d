//! Handles to connected peers: typed calls from anywhere in the application.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use ocpp_types::decode::DecodeError;
use ocpp_types::validate::ValidationOptions;
use ocpp_types::{ErrorCode, OcppCall, OcppMessage, OcppSend, OcppVersion};
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};

use crate::SessionError;
use crate::session::ErrorReply;

/// Why a call to a station (or, from a charge point, to the CSMS) did not return a response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallFailure {
    /// The peer answered with a CALLERROR.
    #[error("CALLERROR {error_code}: {description}")]
    CallError {
        /// The code, if it is one OCPP defines.
        code: Option<ErrorCode>,
        /// The code as written.
        error_code: String,
        /// The description.
        description: String,
        /// The details, a JSON object.
        details: Box<RawValue>,
    },
    /// No answer within the call timeout.
    #[error("no answer within the call timeout")]
    Timeout,
    /// The peer is not connected (or the connection closed before the answer came).
    #[error("not connected")]
    NotConnected,
    /// The answer is not a valid response.
    #[error("invalid response: {0}")]
    InvalidResponse(DecodeError),
    /// The call was refused before it was sent (wrong version, action not allowed, queue full).
    #[error(transparent)]
    Refused(#[from] SessionError),
    /// The request could not be serialized.
    #[error("request not serializable: {0}")]
    Serialize(String),
}

/// Where a station connects: its identity and, on a server that scopes identities by
/// tenant ([`ServerConfig::tenant_in_path`](crate::server::ServerConfig::tenant_in_path)),
/// the tenant named by the path segment before it. Two stations of different tenants may
/// have the same identity; they have different addresses.
///
/// ```
/// use ocpp_server::StationAddress;
///
/// let alone = StationAddress::from("CP-1");
/// assert_eq!((alone.tenant(), alone.identity()), (None, "CP-1"));
/// let scoped = StationAddress::in_tenant("acme", "CP-1");
/// assert_eq!(scoped.to_string(), "acme/CP-1");
/// assert_ne!(alone, scoped);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StationAddress {
    tenant: Option<Arc<str>>,
    identity: Arc<str>,
}

impl StationAddress {
    /// The address of `identity` on a server without tenants.
    pub fn new(identity: impl Into<Arc<str>>) -> StationAddress {
        StationAddress {
            tenant: None,
            identity: identity.into(),
        }
    }

    /// The address of `identity` in `tenant` (the tenant's path segment).
    pub fn in_tenant(tenant: impl Into<Arc<str>>, identity: impl Into<Arc<str>>) -> StationAddress {
        StationAddress {
            tenant: Some(tenant.into()),
            identity: identity.into(),
        }
    }

    /// The tenant's path segment, on a server that scopes identities by tenant.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The station identity (what OCPP calls the Charging Station identity, and the Basic
    /// authentication user).
    pub fn identity(&self) -> &str {
        &self.identity
    }
}

impl From<&str> for StationAddress {
    fn from(identity: &str) -> StationAddress {
        StationAddress::new(identity)
    }
}

impl From<String> for StationAddress {
    fn from(identity: String) -> StationAddress {
        StationAddress::new(identity)
    }
}

impl From<&StationAddress> for StationAddress {
    fn from(address: &StationAddress) -> StationAddress {
        address.clone()
    }
}

impl fmt::Display for StationAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tenant {
            Some(tenant) => write!(f, "{tenant}/{}", self.identity),
            None => f.write_str(&self.identity),
        }
    }
}

/// What the connection task returns for one call: the raw CALLRESULT payload.
pub(crate) type CallReply = Result<Box<RawValue>, CallFailure>;

/// What a handle asks of its connection task (boxed in the channel, whose buffer every connection
/// keeps).
#[derive(Debug)]
pub(crate) enum Instruction {
    Call {
        action: &'static str,
        payload: Box<RawValue>,
        reply: oneshot::Sender<CallReply>,
    },
    Send {
        action: &'static str,
        payload: Box<RawValue>,
    },
    Respond {
        message_id: String,
        reply: Result<Box<RawValue>, Box<ErrorReply>>,
    },
    Close {
        code: u16,
        reason: String,
    },
}

/// What the application attaches to a station's connection when its
/// [`Storage`](crate::storage::Storage) admits it ([`StationRecord::attachment`]): what it
/// resolved of the station once, carried by every [`Context`](crate::Context) and
/// [`StationHandle`] of that connection instead of being looked up again per message.
///
/// [`StationRecord::attachment`]: crate::storage::StationRecord::attachment
#[derive(Clone)]
pub struct Attachment(Arc<dyn Any + Send + Sync>);

impl Attachment {
    /// Attaches `value`.
    pub fn new<T: Any + Send + Sync>(value: T) -> Attachment {
        Attachment(Arc::new(value))
    }

    /// The attached value, if it is a `T`.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Attachment(..)")
    }
}

/// The same attachment, not an equal value: attachments are compared by identity.
impl PartialEq for Attachment {
    fn eq(&self, other: &Attachment) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Attachment {}

/// A handle to one connection: make typed calls to the peer. Cheap to clone; it stays valid
/// after the connection ends, and calls then fail with [`CallFailure::NotConnected`].
///
/// From a handler, the handle in the [`Context`](crate::Context) calls the same station back
/// without deadlock: the answer to the station's call does not wait for ours.
#[derive(Debug, Clone)]
pub struct StationHandle {
    address: StationAddress,
    version: OcppVersion,
    instructions: mpsc::Sender<Box<Instruction>>,
    attachment: Option<Attachment>,
}

impl StationHandle {
    pub(crate) fn new(
        address: StationAddress,
        version: OcppVersion,
        instructions: mpsc::Sender<Box<Instruction>>,
    ) -> StationHandle {
        StationHandle {
            address,
            version,
            instructions,
            attachment: None,
        }
    }

    /// The same handle, carrying `attachment`.
    pub(crate) fn attached(self, attachment: Option<Attachment>) -> StationHandle {
        StationHandle { attachment, ..self }
    }

    /// What the station storage attached to this connection when it admitted it, if it
    /// attached a `T` ([`Attachment`]).
    pub fn attachment<T: Any>(&self) -> Option<&T> {
        self.attachment.as_ref()?.get()
    }

    /// The station identity.
    pub fn identity(&self) -> &str {
        self.address.identity()
    }

    /// Where the station connected: its tenant, if the server has tenants, and identity.
    pub fn address(&self) -> &StationAddress {
        &self.address
    }

    /// The OCPP version of the connection.
    pub fn version(&self) -> OcppVersion {
        self.version
    }

    /// Whether the connection is still open.
    pub fn is_connected(&self) -> bool {
        !self.instructions.is_closed()
    }

    /// Sends `request` and waits for the typed response. Calls wait in order behind the one
    /// in flight; the connection's call timeout applies from the moment the call is sent.
    pub async fn call<C: OcppCall>(&self, request: &C) -> Result<C::Response, CallFailure> {
        let payload = self.payload(C::VERSION, request)?;
        let (reply, answer) = oneshot::channel();
        let instruction = Instruction::Call {
            action: C::ACTION,
            payload,
            reply,
        };
        self.instructions
            .send(Box::new(instruction))
            .await
            .map_err(|_| CallFailure::NotConnected)?;
        let raw = answer.await.map_err(|_| CallFailure::NotConnected)??;
        // The connection validated the payload with its own options already.
        <C::Response as OcppMessage>::decode(raw.get(), &ValidationOptions::lenient())
            .map(|decoded| decoded.value)
            .map_err(CallFailure::InvalidResponse)
    }

    /// Sends a SEND message (2.1): it goes out at once and is never answered.
    pub async fn send<S: OcppSend>(&self, message: &S) -> Result<(), CallFailure> {
        let payload = self.payload(S::VERSION, message)?;
        self.instructions
            .send(Box::new(Instruction::Send {
                action: S::ACTION,
                payload,
            }))
            .await
            .map_err(|_| CallFailure::NotConnected)
    }

    /// Closes the connection with a WebSocket close code and reason.
    pub async fn close(&self, code: u16, reason: impl Into<String>) {
        let instruction = Instruction::Close {
            code,
            reason: reason.into(),
        };
        let _ = self.instructions.send(Box::new(instruction)).await;
    }

    pub(crate) fn instructions(&self) -> &mpsc::Sender<Box<Instruction>> {
        &self.instructions
    }

    pub(crate) fn try_close(&self, code: u16, reason: &str) {
        let instruction = Instruction::Close {
            code,
            reason: reason.to_owned(),
        };
        let _ = self.instructions.try_send(Box::new(instruction));
    }

    fn payload<P: Serialize>(
        &self,
        version: OcppVersion,
        message: &P,
    ) -> Result<Box<RawValue>, CallFailure> {
        if version != self.version {
            return Err(SessionError::WrongVersion {
                session: self.version,
                message: version,
            }
            .into());
        }
        serde_json::value::to_raw_value(message).map_err(|e| CallFailure::Serialize(e.to_string()))
    }
}
