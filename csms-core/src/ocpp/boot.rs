//! The boot decision: what a station's BootNotification is answered.
//!
//! A registered station gets its registration ([`RegistrationStatus`]) as it stands. A
//! station nobody registered is handled by the policy of the tenant that takes unknown
//! stations ([`UnknownStationPolicy`]): registered as accepted, registered as pending (an
//! operator accepts it later), or rejected. A rejected unknown station is **not** registered
//! (nor its boot logged), so that connections under invented identities cannot grow the
//! database; without a tenant for unknown stations every unknown station is rejected.

use serde::{Deserialize, Serialize};

use crate::model::{RegistrationStatus, UnknownStationPolicy};

/// The intervals a BootNotification answer gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootIntervals {
    /// Heartbeat interval of an accepted station, in seconds.
    pub heartbeat_secs: u32,
    /// How long a pending or rejected station waits before booting again, in seconds.
    pub retry_secs: u32,
}

impl Default for BootIntervals {
    fn default() -> BootIntervals {
        BootIntervals {
            heartbeat_secs: 300,
            retry_secs: 60,
        }
    }
}

/// What [`decide_boot`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootDecision {
    /// The answer's status.
    pub status: RegistrationStatus,
    /// The answer's interval, in seconds.
    pub interval_secs: u32,
    /// Register the (unknown) station with this registration before answering.
    pub register: Option<RegistrationStatus>,
    /// Whether the boot goes to the station's boot log (it does whenever the station is, or
    /// becomes, registered).
    pub log: bool,
}

/// Decides the answer to a BootNotification. `known` is the registration of the station if
/// it is registered; `unknown_policy` the policy of the tenant that takes unknown stations,
/// if there is one.
pub fn decide_boot(
    known: Option<RegistrationStatus>,
    unknown_policy: Option<UnknownStationPolicy>,
    intervals: BootIntervals,
) -> BootDecision {
    let answer = |status: RegistrationStatus, register, log| BootDecision {
        status,
        interval_secs: if status == RegistrationStatus::Accepted {
            intervals.heartbeat_secs
        } else {
            intervals.retry_secs
        },
        register,
        log,
    };
    match (known, unknown_policy) {
        (Some(status), _) => answer(status, None, true),
        (None, Some(UnknownStationPolicy::Accept)) => answer(
            RegistrationStatus::Accepted,
            Some(RegistrationStatus::Accepted),
            true,
        ),
        (None, Some(UnknownStationPolicy::Pending)) => answer(
            RegistrationStatus::Pending,
            Some(RegistrationStatus::Pending),
            true,
        ),
        (None, Some(UnknownStationPolicy::Reject) | None) => {
            answer(RegistrationStatus::Rejected, None, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVALS: BootIntervals = BootIntervals {
        heartbeat_secs: 120,
        retry_secs: 30,
    };

    #[test]
    fn known_stations_get_their_registration() {
        for status in RegistrationStatus::ALL {
            let decision =
                decide_boot(Some(*status), Some(UnknownStationPolicy::Accept), INTERVALS);
            assert_eq!(decision.status, *status);
            assert_eq!(decision.register, None);
            assert!(decision.log);
        }
        let accepted = decide_boot(Some(RegistrationStatus::Accepted), None, INTERVALS);
        assert_eq!(accepted.interval_secs, 120);
        let pending = decide_boot(Some(RegistrationStatus::Pending), None, INTERVALS);
        assert_eq!(pending.interval_secs, 30);
    }

    #[test]
    fn unknown_stations_follow_the_policy() {
        let accept = decide_boot(None, Some(UnknownStationPolicy::Accept), INTERVALS);
        assert_eq!(accept.status, RegistrationStatus::Accepted);
        assert_eq!(accept.register, Some(RegistrationStatus::Accepted));
        assert_eq!(accept.interval_secs, 120);
        let pending = decide_boot(None, Some(UnknownStationPolicy::Pending), INTERVALS);
        assert_eq!(pending.status, RegistrationStatus::Pending);
        assert_eq!(pending.register, Some(RegistrationStatus::Pending));
        assert_eq!(pending.interval_secs, 30);
        for policy in [Some(UnknownStationPolicy::Reject), None] {
            let reject = decide_boot(None, policy, INTERVALS);
            assert_eq!(reject.status, RegistrationStatus::Rejected);
            assert_eq!(reject.register, None);
            assert!(!reject.log);
        }
    }
}
