//! Commands to stations connected to other nodes: NATS request-reply to the node holding
//! the station, which runs them on its connection and answers with what the station said.

use std::sync::Arc;

use async_nats::client::RequestErrorKind;
use futures_util::StreamExt;
use ocpp_server::StationAddress;
use serde::{Deserialize, Serialize};

use super::{ClusterError, Node, Shared};
use crate::model::{ConfigurationKey, VariableValue};
use crate::ocpp::admission;
use crate::ocpp::commands::{Command, CommandResult, CommandRoute, Outcome, Settings};
use crate::store::Store;

/// A command for a station of the node it is sent to.
#[derive(Debug, Serialize, Deserialize)]
struct CommandRequest {
    /// The station's tenant, as its address names it.
    tenant: Option<String>,
    identity: String,
    command: Command,
}

/// What came of it, with the settings the answer told (which the asking node keeps).
#[derive(Debug, Serialize, Deserialize)]
struct CommandAnswer {
    result: CommandResult,
    keys: Vec<ConfigurationKey>,
    variables: Vec<VariableValue>,
}

fn failed(outcome: Outcome, error: impl Into<String>) -> CommandResult {
    CommandResult::failed(outcome, error)
}

/// Answers the commands other nodes send for the stations connected here, each on a task
/// of its own.
pub(super) async fn answer_commands<S: Store + ?Sized>(
    shared: &Arc<Shared<S>>,
) -> Result<(), ClusterError> {
    let Some(nats) = shared.nats.clone() else {
        return Ok(());
    };
    let subject = shared.subject(&format!("node.{}.commands", shared.node_id()));
    let mut requests = nats
        .subscribe(subject)
        .await
        .map_err(|error| ClusterError::Nats(error.to_string()))?;
    let me = Arc::clone(shared);
    shared.spawn(async move {
        while let Some(message) = requests.next().await {
            let Some(reply) = message.reply else {
                continue;
            };
            let me = Arc::clone(&me);
            let nats = nats.clone();
            tokio::spawn(async move {
                let mut result = match serde_json::from_slice::<CommandRequest>(&message.payload) {
                    Ok(request) => run_here(&me, request).await,
                    Err(error) => failed(
                        Outcome::Failed,
                        format!("a request not understood: {error}"),
                    ),
                };
                // Secret settings cross the network only as "<redacted>".
                result.redact();
                let settings = std::mem::take(&mut *result.settings);
                let answer = CommandAnswer {
                    result,
                    keys: settings.keys,
                    variables: settings.variables,
                };
                let sent = match serde_json::to_vec(&answer) {
                    Ok(payload) => nats
                        .publish(reply, payload.into())
                        .await
                        .map_err(|error| error.to_string()),
                    Err(error) => Err(error.to_string()),
                };
                if let Err(error) = sent {
                    tracing::warn!(%error, "a command's answer not sent back");
                }
            });
        }
    });
    Ok(())
}

/// Runs a command another node sent on the station's connection here.
async fn run_here<S: Store + ?Sized>(shared: &Shared<S>, request: CommandRequest) -> CommandResult {
    let address = match request.tenant {
        Some(tenant) => StationAddress::in_tenant(tenant, request.identity),
        None => StationAddress::new(request.identity),
    };
    tracing::debug!(station = %address, command = request.command.name(), "command from another node");
    match shared.server() {
        Some(server) => server.run_command(&address, &request.command).await,
        None => failed(Outcome::NotConnected, "not connected"),
    }
}

#[async_trait::async_trait]
impl<S: Store + ?Sized> CommandRoute for Node<S> {
    async fn run_command(&self, address: &StationAddress, command: &Command) -> CommandResult {
        let shared = &self.shared;
        let server = shared.server();
        if let Some(server) = &server
            && server.station(address.clone()).is_some()
        {
            return server.run_command(address, command).await;
        }
        let (Some(nats), Some(tenant)) = (&shared.nats, admission::tenant_in(address)) else {
            return failed(Outcome::NotConnected, "not connected");
        };
        let node = match shared.store.station_node(tenant, address.identity()).await {
            Ok(Some(node)) if node != shared.node_id() => node,
            Ok(_) => return failed(Outcome::NotConnected, "not connected"),
            Err(error) => {
                return failed(Outcome::Failed, format!("where it is connected: {error}"));
            }
        };
        let request = CommandRequest {
            tenant: address.tenant().map(str::to_owned),
            identity: address.identity().to_owned(),
            command: command.clone(),
        };
        let payload = match serde_json::to_vec(&request) {
            Ok(payload) => payload,
            Err(error) => return failed(Outcome::Failed, error.to_string()),
        };
        let subject = shared.subject(&format!("node.{node}.commands"));
        let asked = async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(shared.config.command_timeout));
        let answer = match nats.send_request(subject, asked).await {
            Ok(answer) => answer,
            Err(error) => {
                return match error.kind() {
                    RequestErrorKind::NoResponders => failed(
                        Outcome::NotConnected,
                        format!("not connected (its node {node} is gone)"),
                    ),
                    RequestErrorKind::TimedOut => failed(
                        Outcome::Timeout,
                        format!("no answer in time through node {node}"),
                    ),
                    _ => failed(Outcome::Failed, format!("through node {node}: {error}")),
                };
            }
        };
        match serde_json::from_slice::<CommandAnswer>(&answer.payload) {
            Ok(CommandAnswer {
                mut result,
                keys,
                variables,
            }) => {
                *result.settings = Settings { keys, variables };
                result
            }
            Err(error) => failed(
                Outcome::Failed,
                format!("node {node} answered in a form not understood: {error}"),
            ),
        }
    }
}

#[cfg(feature = "http-api")]
impl<S: Store + ?Sized> crate::api::StationDirectory for Node<S> {
    fn count(&self) -> usize {
        self.shared
            .server()
            .map_or(0, |server| server.station_count())
    }

    fn connection(
        &self,
        address: &StationAddress,
    ) -> Option<ocpp_server::server::ConnectedStation> {
        self.shared.server()?.connected(address.clone())
    }
}
