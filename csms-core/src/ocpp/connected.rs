//! What a station's connection keeps of its station, so that its messages do not look it
//! up again: the station's row, resolved when the connection is admitted
//! ([`StationAdmission`](super::admission::StationAdmission) attaches a [`ConnectedStation`]
//! to it) and read again only once a write outdates it ([`StationSnapshot`]), and the
//! running 2.x transactions its events advanced.
//!
//! A transaction's session changes only through its own station's events, which come one at
//! a time over the one connection the station has: what the connection last wrote of the
//! session is what the store holds. The store's writes stay guarded all the same (a
//! sequence number only rises, a session over stays over), so a session kept here that
//! something else changed cannot undo that change; the connection then forgets it and reads
//! it again.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::model::ChargingSession;
use crate::store::StationSnapshot;

/// The most running transactions a connection keeps (a station has one per EVSE at most;
/// past it, the connection starts again empty).
const TRANSACTIONS: usize = 64;

/// What a station's connection keeps of its station (see the module documentation).
#[derive(Debug, Default)]
pub(super) struct ConnectedStation {
    /// The station as last read; `None` until it is read (a station not registered when it
    /// connected is registered at its boot).
    station: Mutex<Option<StationSnapshot>>,
    /// The running 2.x transactions this connection's events advanced, by transaction id.
    transactions: Mutex<HashMap<String, ChargingSession>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // What is kept is a copy of the store's: a panic while holding it leaves nothing the
    // store does not have.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ConnectedStation {
    /// What a connection keeps of `station` (`None`: not registered yet).
    pub(super) fn new(station: Option<StationSnapshot>) -> ConnectedStation {
        ConnectedStation {
            station: Mutex::new(station),
            transactions: Mutex::default(),
        }
    }

    /// The station, unless no read was kept or a write outdated it.
    pub(super) fn station(&self) -> Option<StationSnapshot> {
        lock(&self.station)
            .as_ref()
            .filter(|station| station.is_current())
            .cloned()
    }

    /// Keeps `station`, read again.
    pub(super) fn keep_station(&self, station: StationSnapshot) {
        *lock(&self.station) = Some(station);
    }

    /// Takes the running session of the transaction `transaction_id`, as this connection
    /// last wrote it: the connection keeps it no longer until it is
    /// [kept](Self::keep_running) again.
    pub(super) fn take_running(&self, transaction_id: &str) -> Option<ChargingSession> {
        lock(&self.transactions).remove(transaction_id)
    }

    /// Keeps `session` as the store now holds it: while it runs, under its transaction id;
    /// once over, no longer.
    pub(super) fn keep_running(&self, transaction_id: &str, session: ChargingSession) {
        let mut transactions = lock(&self.transactions);
        if session.status.is_final() {
            transactions.remove(transaction_id);
            return;
        }
        if transactions.len() >= TRANSACTIONS && !transactions.contains_key(transaction_id) {
            transactions.clear();
        }
        transactions.insert(transaction_id.to_owned(), session);
    }
}
