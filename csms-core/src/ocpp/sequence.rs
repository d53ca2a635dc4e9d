//! Ordering of OCPP 2.0.1 TransactionEvents: what an event does to the session it names.
//!
//! Events can come twice (a retry after a lost answer), late (a station sends what it queued
//! offline, not always in order) or first for a transaction this CSMS never saw start (its
//! `Started` was lost). [`sequence`] decides from what the store knows of the transaction
//! (nothing, or its highest `seqNo` and whether it is over):
//!
//! - no session yet: any event **begins** it (`Updated` and `Ended` included); an `Ended`
//!   begins and ends it at once;
//! - a running session and a `seqNo` above the highest seen: the event **advances** it (its
//!   charging state applies, an `Ended` ends it);
//! - a running session and a `seqNo` at or below the highest seen: a duplicate or a late
//!   event: its meter values are kept (the store skips those it has) but its state does not
//!   overwrite newer state, except that an `Ended` still ends the session;
//! - a session that is over: only its meter values are kept.
//!
//! A `seqNo` more than one above the highest seen is a gap (events still to come, or lost):
//! reported, not refused.

use serde::{Deserialize, Serialize};

/// The kind of a TransactionEvent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// `Started`.
    Started,
    /// `Updated`.
    Updated,
    /// `Ended`.
    Ended,
}

/// What the store knows of the transaction an event names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownTransaction {
    /// The highest `seqNo` received for it.
    pub last_seq_no: Option<i64>,
    /// Whether its session is over.
    pub is_over: bool,
}

/// What to do with the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// Create the session from this event; `end`: end it at once.
    Begin {
        /// Whether the event also ends it.
        end: bool,
    },
    /// Apply the event's state to the running session; `end`: end it.
    Advance {
        /// Whether the event ends it.
        end: bool,
    },
    /// A duplicate or late event, or one for a session that is over: keep its meter values
    /// only.
    KeepMeterValues,
}

/// What [`sequence`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequenced {
    /// What to do.
    pub step: Step,
    /// `Some((expected, received))` when the `seqNo` skips numbers.
    pub gap: Option<(i64, i64)>,
}

/// Decides what a TransactionEvent of `kind` with `seq_no` does, given what is known of its
/// transaction (`None`: no session yet). See the module docs.
pub fn sequence(known: Option<KnownTransaction>, kind: EventKind, seq_no: i64) -> Sequenced {
    let ends = kind == EventKind::Ended;
    let Some(known) = known else {
        return Sequenced {
            step: Step::Begin { end: ends },
            gap: None,
        };
    };
    let gap = match known.last_seq_no {
        Some(last) if seq_no > last.saturating_add(1) => Some((last.saturating_add(1), seq_no)),
        _ => None,
    };
    let newer = known.last_seq_no.is_none_or(|last| seq_no > last);
    let step = if known.is_over {
        Step::KeepMeterValues
    } else if newer || ends {
        Step::Advance { end: ends }
    } else {
        Step::KeepMeterValues
    };
    Sequenced { step, gap }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(last: i64) -> Option<KnownTransaction> {
        Some(KnownTransaction {
            last_seq_no: Some(last),
            is_over: false,
        })
    }

    #[test]
    fn first_event_begins_whatever_its_kind() {
        assert_eq!(
            sequence(None, EventKind::Started, 0).step,
            Step::Begin { end: false }
        );
        assert_eq!(
            sequence(None, EventKind::Updated, 4).step,
            Step::Begin { end: false }
        );
        assert_eq!(
            sequence(None, EventKind::Ended, 9).step,
            Step::Begin { end: true }
        );
    }

    #[test]
    fn newer_events_advance_and_gaps_are_reported() {
        let next = sequence(running(0), EventKind::Updated, 1);
        assert_eq!(next.step, Step::Advance { end: false });
        assert_eq!(next.gap, None);
        let skipped = sequence(running(1), EventKind::Updated, 4);
        assert_eq!(skipped.step, Step::Advance { end: false });
        assert_eq!(skipped.gap, Some((2, 4)));
        assert_eq!(
            sequence(running(3), EventKind::Ended, 4).step,
            Step::Advance { end: true }
        );
    }

    #[test]
    fn duplicates_and_late_events_keep_meter_values_only() {
        assert_eq!(
            sequence(running(2), EventKind::Updated, 2).step,
            Step::KeepMeterValues
        );
        assert_eq!(
            sequence(running(5), EventKind::Updated, 3).step,
            Step::KeepMeterValues
        );
        assert_eq!(
            sequence(running(5), EventKind::Started, 0).step,
            Step::KeepMeterValues
        );
        // A late Ended still ends a running session.
        assert_eq!(
            sequence(running(5), EventKind::Ended, 4).step,
            Step::Advance { end: true }
        );
        let over = Some(KnownTransaction {
            last_seq_no: Some(6),
            is_over: true,
        });
        assert_eq!(
            sequence(over, EventKind::Ended, 6).step,
            Step::KeepMeterValues
        );
        assert_eq!(
            sequence(over, EventKind::Updated, 7).step,
            Step::KeepMeterValues
        );
        let no_seq = Some(KnownTransaction {
            last_seq_no: None,
            is_over: false,
        });
        assert_eq!(
            sequence(no_seq, EventKind::Updated, 0).step,
            Step::Advance { end: false }
        );
    }
}
