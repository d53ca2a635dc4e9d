//! How commands reach the station at an address: through this process's OCPP server, one
//! connection, or (see `crate::cluster`) the node holding the station.

use ocpp_server::server::Server;
use ocpp_server::{StationAddress, StationHandle};

use super::{Command, CommandResult, Outcome, run};

/// How commands reach the station at an address, wherever it is connected: through this
/// process's OCPP server ([`Server`]), through one connection ([`StationHandle`]), or
/// through the node of a cluster that holds the station's connection
/// (`crate::cluster::Node`).
#[async_trait::async_trait]
pub trait CommandRoute: Send + Sync {
    /// Runs `command` on the station at `address` and gives what came of it
    /// ([`Outcome::NotConnected`] when it is connected nowhere this route reaches).
    async fn run_command(&self, address: &StationAddress, command: &Command) -> CommandResult;
}

fn not_connected() -> CommandResult {
    CommandResult::failed(Outcome::NotConnected, "not connected")
}

#[async_trait::async_trait]
impl CommandRoute for StationHandle {
    async fn run_command(&self, address: &StationAddress, command: &Command) -> CommandResult {
        if self.address() != address {
            return CommandResult::failed(
                Outcome::Invalid,
                format!("the connection given is {}'s", self.address()),
            );
        }
        if !self.is_connected() {
            return not_connected();
        }
        run(self, command).await
    }
}

#[async_trait::async_trait]
impl CommandRoute for Server {
    async fn run_command(&self, address: &StationAddress, command: &Command) -> CommandResult {
        match self.station(address.clone()) {
            Some(handle) => handle.run_command(address, command).await,
            None => not_connected(),
        }
    }
}
