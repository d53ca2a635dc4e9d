//! What the stores keep in memory of what every message a station sends needs first.
//!
//! - [`StationCache`]: stations by tenant and identity (a station's row changes rarely). The store
//!   forgets a station here after every write to its row has committed, and tells other
//!   processes on the same database of the writes that matter to them
//!   ([`StationCache::changes`]). A read that began
//!   before such a write may finish after it; it puts its (older) row in only if nothing
//!   was forgotten since it began, so the cache never keeps a row older than the database's.
//!   What it hands out is a [`StationSnapshot`], shared with the cache: whoever keeps one (a
//!   station's connection) sees it outdated the moment the cache forgets it.
//! - [`SessionIds`]: the session of a station's transaction id, which never changes once
//!   the session exists (sessions are not deleted, and a transaction id is unique per
//!   station), so it is never forgotten.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use crate::model::{SessionId, Station, StationId, TenantId};

/// The most stations kept; past it, the cache starts again empty.
const CAPACITY: usize = 200_000;

/// A station's tenant and identity.
type Identity = (TenantId, String);

/// How many changed stations other processes may lag behind by before they forget
/// everything (a lagging receiver of [`StationCache::changes`] learns it missed some).
const CHANGES: usize = 4096;

/// A station's row as the store read it, which tells whether it is still current: it is
/// outdated from the moment a write to the row commits in this process, or another process
/// tells of one ([`StationStore::forget_station`](super::StationStore::forget_station)).
/// Cheap to clone; it reads as the [`Station`] it holds.
#[derive(Debug, Clone)]
pub struct StationSnapshot(Arc<Snapshot>);

#[derive(Debug)]
struct Snapshot {
    station: Station,
    current: AtomicBool,
}

impl StationSnapshot {
    fn new(station: Station, current: bool) -> StationSnapshot {
        StationSnapshot(Arc::new(Snapshot {
            station,
            current: AtomicBool::new(current),
        }))
    }

    /// A snapshot of `station` that nothing keeps current: outdated from the start (what a
    /// store without a cache of stations hands out, so that its every reader reads again).
    pub fn outdated(station: Station) -> StationSnapshot {
        StationSnapshot::new(station, false)
    }

    /// Whether no write to the station's row has committed since it was read.
    pub fn is_current(&self) -> bool {
        self.0.current.load(Ordering::Acquire)
    }

    /// The station as read, owned.
    pub fn into_station(self) -> Station {
        match Arc::try_unwrap(self.0) {
            Ok(snapshot) => snapshot.station,
            Err(shared) => shared.station.clone(),
        }
    }

    fn outdate(&self) {
        self.0.current.store(false, Ordering::Release);
    }
}

impl Deref for StationSnapshot {
    type Target = Station;

    fn deref(&self) -> &Station {
        &self.0.station
    }
}

/// Stations by tenant and identity, shared by the clones of a store.
#[derive(Debug, Clone)]
pub(crate) struct StationCache {
    inner: Arc<Mutex<Inner>>,
    /// The stations whose rows changed, for other processes' caches.
    changes: broadcast::Sender<StationId>,
}

impl Default for StationCache {
    fn default() -> StationCache {
        StationCache {
            inner: Arc::default(),
            changes: broadcast::channel(CHANGES).0,
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// By tenant, then identity (looked up by `&str`, without allocating).
    by_identity: HashMap<TenantId, HashMap<String, StationSnapshot>>,
    identities: HashMap<StationId, Identity>,
    /// Counts what was forgotten.
    generation: u64,
}

/// A read in progress: when it began, in forgotten rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookup(u64);

impl StationCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves maps that are still consistent.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The station `identity` of `tenant`, if kept; else the [`Lookup`] to
    /// [`keep`](Self::keep) what the database answers.
    pub(crate) fn get(&self, tenant: TenantId, identity: &str) -> Result<StationSnapshot, Lookup> {
        let inner = self.lock();
        match inner
            .by_identity
            .get(&tenant)
            .and_then(|stations| stations.get(identity))
        {
            Some(station) => Ok(station.clone()),
            None => Err(Lookup(inner.generation)),
        }
    }

    /// Keeps what a read begun at `lookup` found, unless a station was forgotten since (then
    /// the snapshot is outdated from the start: the row may have changed since the read).
    pub(crate) fn keep(&self, lookup: Lookup, station: Station) -> StationSnapshot {
        let mut inner = self.lock();
        if inner.generation != lookup.0 {
            return StationSnapshot::outdated(station);
        }
        if inner.identities.len() >= CAPACITY {
            inner.forget_every_station();
        }
        let snapshot = StationSnapshot::new(station, true);
        let key = (snapshot.tenant_id, snapshot.identity.clone());
        inner.identities.insert(snapshot.id, key);
        let replaced = inner
            .by_identity
            .entry(snapshot.tenant_id)
            .or_default()
            .insert(snapshot.identity.clone(), snapshot.clone());
        // Read at the same time by another reader: only the kept one is told of changes.
        if let Some(replaced) = replaced {
            replaced.outdate();
        }
        snapshot
    }

    /// Forgets the station `identity` of `tenant` (its row changed).
    pub(crate) fn forget_identity(&self, tenant: TenantId, identity: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        let removed = inner
            .by_identity
            .get_mut(&tenant)
            .and_then(|stations| stations.remove(identity));
        if let Some(station) = removed {
            station.outdate();
            inner.identities.remove(&station.id);
        }
    }

    /// Forgets the station `id`, whose row changed in a way other processes must know of
    /// too: they learn of it through [`changes`](Self::changes).
    pub(crate) fn forget_everywhere(&self, id: StationId) {
        self.forget(id);
        // Nobody listening (a process alone) is not an error.
        let _ = self.changes.send(id);
    }

    /// The stations [`forget_everywhere`](Self::forget_everywhere) forgets from now on.
    pub(crate) fn changes(&self) -> broadcast::Receiver<StationId> {
        self.changes.subscribe()
    }

    /// Forgets every station.
    pub(crate) fn forget_all(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.forget_every_station();
    }

    /// Forgets the station `id` (its row changed).
    pub(crate) fn forget(&self, id: StationId) {
        let mut inner = self.lock();
        inner.generation += 1;
        if let Some((tenant, identity)) = inner.identities.remove(&id)
            && let Some(station) = inner
                .by_identity
                .get_mut(&tenant)
                .and_then(|stations| stations.remove(&identity))
        {
            station.outdate();
        }
    }
}

impl Inner {
    fn forget_every_station(&mut self) {
        for station in self.by_identity.values().flat_map(HashMap::values) {
            station.outdate();
        }
        self.by_identity.clear();
        self.identities.clear();
    }
}

/// The most transactions [`SessionIds`] keeps; past it, it starts again empty.
const TRANSACTIONS: usize = 200_000;

/// A station's transaction, by the id the station gave it.
type Transaction = (TenantId, StationId, String);

/// The session of each station's transaction ids, shared by the clones of a store.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionIds {
    inner: Arc<Mutex<HashMap<Transaction, SessionId>>>,
}

impl SessionIds {
    fn lock(&self) -> MutexGuard<'_, HashMap<Transaction, SessionId>> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The session of `transaction` on `station`, if known.
    pub(crate) fn get(
        &self,
        tenant: TenantId,
        station: StationId,
        transaction: &str,
    ) -> Option<SessionId> {
        self.lock()
            .get(&(tenant, station, transaction.to_owned()))
            .copied()
    }

    /// Keeps that `transaction` on `station` is `session`.
    pub(crate) fn keep(
        &self,
        tenant: TenantId,
        station: StationId,
        transaction: &str,
        session: SessionId,
    ) {
        let mut inner = self.lock();
        if inner.len() >= TRANSACTIONS {
            inner.clear();
        }
        inner.insert((tenant, station, transaction.to_owned()), session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RegistrationStatus;

    fn station(id: i64, identity: &str) -> Station {
        Station {
            id: StationId(id),
            tenant_id: TenantId(1),
            identity: identity.to_owned(),
            location_id: None,
            group: None,
            security_profile: 0,
            credentials_hash: None,
            registration: RegistrationStatus::Accepted,
            vendor: None,
            model: None,
            serial_number: None,
            firmware_version: None,
            ocpp_version: None,
            online: false,
            node: None,
            last_seen: None,
            last_heartbeat: None,
            last_boot_at: None,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn keeps_and_forgets_by_identity_and_id() {
        let cache = StationCache::default();
        let lookup = cache.get(TenantId(1), "CP-1").unwrap_err();
        cache.keep(lookup, station(7, "CP-1"));
        assert_eq!(cache.get(TenantId(1), "CP-1").unwrap().id, StationId(7));
        cache.forget(StationId(7));
        let lookup = cache.get(TenantId(1), "CP-1").unwrap_err();
        cache.keep(lookup, station(7, "CP-1"));
        cache.forget_identity(TenantId(1), "CP-1");
        assert!(cache.get(TenantId(1), "CP-1").is_err());
        // Another tenant's station of the same identity is another station.
        let lookup = cache.get(TenantId(1), "CP-1").unwrap_err();
        cache.keep(lookup, station(7, "CP-1"));
        assert!(cache.get(TenantId(2), "CP-1").is_err());
    }

    #[test]
    fn a_read_older_than_a_write_is_not_kept() {
        let cache = StationCache::default();
        let lookup = cache.get(TenantId(1), "CP-1").unwrap_err();
        // A write commits and forgets while the read is under way.
        cache.forget(StationId(7));
        let snapshot = cache.keep(lookup, station(7, "CP-1"));
        assert!(cache.get(TenantId(1), "CP-1").is_err());
        assert!(
            !snapshot.is_current(),
            "nothing would tell it of later changes"
        );
    }

    #[test]
    fn snapshots_handed_out_are_outdated_by_every_way_of_forgetting() {
        let cache = StationCache::default();
        let read = |identity: &str, id| {
            let lookup = cache.get(TenantId(1), identity).unwrap_err();
            cache.keep(lookup, station(id, identity))
        };
        let forgets: [&dyn Fn(&StationCache); 4] = [
            &|cache| cache.forget(StationId(7)),
            &|cache| cache.forget_identity(TenantId(1), "CP-7"),
            &|cache| cache.forget_everywhere(StationId(7)),
            &|cache| cache.forget_all(),
        ];
        for forget in forgets {
            let held = read("CP-7", 7);
            let other = read("CP-8", 8);
            assert!(held.is_current());
            assert!(cache.get(TenantId(1), "CP-7").unwrap().is_current());
            forget(&cache);
            assert!(!held.is_current());
            assert!(cache.get(TenantId(1), "CP-7").is_err());
            cache.forget_all();
            assert!(!other.is_current());
        }
        // Two readers at once: the one replaced in the cache is told nothing more, so it
        // is outdated at once.
        let first = cache.get(TenantId(1), "CP-7").unwrap_err();
        let second = cache.get(TenantId(1), "CP-7").unwrap_err();
        let older = cache.keep(first, station(7, "CP-7"));
        let newer = cache.keep(second, station(7, "CP-7"));
        assert!(!older.is_current());
        assert!(newer.is_current());
        cache.forget(StationId(7));
        assert!(!newer.is_current());
    }

    #[test]
    fn changes_that_matter_elsewhere_are_told() {
        let cache = StationCache::default();
        let mut changes = cache.changes();
        for id in [7, 8] {
            let lookup = cache.get(TenantId(1), &format!("CP-{id}")).unwrap_err();
            cache.keep(lookup, station(id, &format!("CP-{id}")));
        }
        // A heartbeat is this process's business; new settings are everybody's.
        cache.forget(StationId(7));
        cache.forget_everywhere(StationId(8));
        assert_eq!(changes.try_recv().unwrap(), StationId(8));
        assert!(changes.try_recv().is_err());
        let lookup = cache.get(TenantId(1), "CP-7").unwrap_err();
        cache.keep(lookup, station(7, "CP-7"));
        cache.forget_all();
        assert!(cache.get(TenantId(1), "CP-7").is_err());
    }
}
