//! What stations tell of the reservations the CSMS sent them, whatever the version: a
//! transaction charged on one (1.6 StartTransaction, 2.x TransactionEvent `reservationId`)
//! uses it; a 2.x ReservationStatusUpdate says it ended unused.

use ocpp_server::Context;

use super::{Csms, OcppError};
use crate::model::{ReservationId, ReservationStatus, SessionId, Station};
use crate::store::Store;

/// How a station says a reservation ended unused (2.x `ReservationUpdateStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReservationEnd {
    /// Its time ran out (`Expired`; 2.1 `NoTransaction`, when the driver came but no
    /// transaction started before it ran out).
    Expired,
    /// The station removed it (`Removed`).
    Removed,
}

impl<S: Store + 'static> Csms<S> {
    /// Marks the reservation `id` used by `session` when a station says the session is
    /// charged on it (1.6 StartTransaction, 2.x TransactionEvent `reservationId`). A
    /// reservation of another station, or one that is no longer active, stays as it is
    /// (logged); one this session already used is left alone, so a resent event changes
    /// nothing.
    pub(super) async fn reservation_used(
        &self,
        station: &Station,
        id: i64,
        session: SessionId,
    ) -> Result<(), OcppError> {
        let tenant = station.tenant_id;
        let id = ReservationId(id);
        let reservation = self.store.reservation(tenant, id).await?;
        match reservation {
            Some(reservation)
                if reservation.station_id == station.id
                    && reservation.status == ReservationStatus::Active =>
            {
                self.store.use_reservation(tenant, id, session).await?;
            }
            Some(reservation) if reservation.session_id == Some(session) => {}
            _ => tracing::warn!(
                station = %station.identity,
                reservation = %id,
                "a transaction names a reservation this station does not hold"
            ),
        }
        Ok(())
    }

    /// Ends the reservation `id` as the station of `ctx` says it ended: its record, if it is an
    /// active reservation of this station, becomes expired or cancelled. Another station's
    /// reservation stays as it is (logged); one already over is left alone, so a resent
    /// update changes nothing.
    pub(super) async fn reservation_ended(
        &self,
        ctx: &Context,
        id: i32,
        end: ReservationEnd,
    ) -> Result<(), OcppError> {
        let station = self.admitted(ctx, false).await?;
        let tenant = station.tenant_id;
        let id = ReservationId(id.into());
        let reservation = self.store.reservation(tenant, id).await?;
        match reservation {
            Some(reservation) if reservation.station_id == station.id => {
                let status = match end {
                    ReservationEnd::Expired => ReservationStatus::Expired,
                    ReservationEnd::Removed => ReservationStatus::Cancelled,
                };
                self.store.end_reservation(tenant, id, status).await?;
            }
            _ => tracing::warn!(
                station = %station.identity,
                reservation = %id,
                "a station reports the end of a reservation it does not hold"
            ),
        }
        Ok(())
    }
}
