//! Reservations of a station's EVSE (or of the whole station) for a token.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::roaming::RoamingPartnerId;
use super::session::SessionId;
use super::station::StationId;
use super::tenant::TenantId;

id_type!(
    /// The identifier of a reservation; also the `reservationId` sent to the station.
    ReservationId
);

text_enum!(
    /// Where a reservation stands.
    ReservationStatus {
        /// Holding the EVSE until it expires.
        Active = "active",
        /// A session started on it.
        Used = "used",
        /// Cancelled by the operator, the driver or the station.
        Cancelled = "cancelled",
        /// The station refused it (or it could not be sent): it never held.
        Refused = "refused",
        /// Expired unused.
        Expired = "expired",
    }
);

/// A reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Its identifier.
    pub id: ReservationId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The station.
    pub station_id: StationId,
    /// The EVSE (1.6: the connector), or `None` for any of the station.
    pub evse_id: Option<i32>,
    /// The token it is held for.
    pub token_uid: String,
    /// The token's group, which may use it as well.
    pub group_id: Option<String>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// Where it stands.
    pub status: ReservationStatus,
    /// The session that used it.
    pub session_id: Option<SessionId>,
    /// The roaming partner that asked for it (OCPI `RESERVE_NOW`), if one did.
    pub partner: Option<PartnerReservation>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// A reservation as a roaming partner knows it: the partner and its own id for the
/// reservation, which its replacement and cancellation name. The station is only ever sent
/// the reservation's [`ReservationId`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerReservation {
    /// The partner.
    pub partner_id: RoamingPartnerId,
    /// The partner's `reservation_id`, in lower case (OCPI compares it without case).
    pub reservation_id: String,
}

impl PartnerReservation {
    /// The reservation `reservation_id` of `partner_id`, as OCPI compares it.
    pub fn new(partner_id: RoamingPartnerId, reservation_id: &str) -> PartnerReservation {
        PartnerReservation {
            partner_id,
            reservation_id: reservation_id.to_ascii_lowercase(),
        }
    }
}

/// What it takes to make a [`Reservation`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReservation {
    /// The station.
    pub station_id: StationId,
    /// The EVSE, or `None` for any.
    pub evse_id: Option<i32>,
    /// The token it is held for.
    pub token_uid: String,
    /// The token's group.
    pub group_id: Option<String>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// The roaming partner that asks for it, if one does.
    pub partner: Option<PartnerReservation>,
}
