//! The per-thread state of a running decode: the current JSON path, the deviations noted so
//! far, and where decoding failed.
//!
//! serde gives a `Deserialize` implementation no context, so the readers find it here. The
//! state exists only inside a [`DecodeScope`]; outside one every function is a no-op.
//!
//! A scope works at one of two levels. [`Tracking::Detect`] costs one thread-local read per
//! field and only notices that something is worth reporting; [`Tracking::Paths`] keeps the
//! JSON path and records every finding where it happened. A decoder reads a payload at the
//! first level and again at the second only when the first noticed something, so that valid
//! payloads, the common case, pay nothing for paths.

use std::cell::{Cell, RefCell};
use std::fmt::Display;

use crate::validate::{JsonPath, PathSegment, Violation, ViolationKind};

#[derive(Debug, Default)]
struct DecodeState {
    path: Vec<PathSegment>,
    notes: Vec<Violation>,
    failure: Option<Violation>,
}

/// How much a decode records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracking {
    /// Nothing: the types are used through plain serde.
    Off,
    /// Only whether there is anything to report.
    Detect,
    /// Every finding with its path.
    Paths,
}

thread_local! {
    static TRACKING: Cell<Tracking> = const { Cell::new(Tracking::Off) };
    static NOTICED: Cell<bool> = const { Cell::new(false) };
    static INTEGERS_WITHOUT_FRACTION: Cell<bool> = const { Cell::new(false) };
    static STATE: RefCell<Option<DecodeState>> = const { RefCell::new(None) };
}

/// What a decode noted: deviations it tolerated, and the reason it failed, if it did.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Whether anything worth reporting was seen (at [`Tracking::Detect`]).
    pub(crate) noticed: bool,
    pub(crate) notes: Vec<Violation>,
    pub(crate) failure: Option<Violation>,
}

/// Turns on tracking at the given level for this thread until finished or dropped.
pub(crate) struct DecodeScope {
    outer: Option<(Tracking, bool, bool, Option<DecodeState>)>,
}

impl DecodeScope {
    /// Enters a scope; `integers_without_fraction` notes integers written like `7.0` (see
    /// [`WireValue::INTEGERS_WITHOUT_FRACTION`](super::WireValue::INTEGERS_WITHOUT_FRACTION)).
    pub(crate) fn enter(tracking: Tracking, integers_without_fraction: bool) -> DecodeScope {
        let state = (tracking == Tracking::Paths).then(DecodeState::default);
        let outer = (
            TRACKING.replace(tracking),
            NOTICED.replace(false),
            INTEGERS_WITHOUT_FRACTION.replace(integers_without_fraction),
            STATE.with(|cell| cell.replace(state)),
        );
        DecodeScope { outer: Some(outer) }
    }

    /// Ends the scope and returns what it found.
    pub(crate) fn finish(mut self) -> Findings {
        let (noticed, state) = self.restore();
        let state = state.unwrap_or_default();
        Findings {
            noticed,
            notes: state.notes,
            failure: state.failure,
        }
    }

    fn restore(&mut self) -> (bool, Option<DecodeState>) {
        match self.outer.take() {
            Some((tracking, noticed, integers_without_fraction, state)) => {
                TRACKING.set(tracking);
                INTEGERS_WITHOUT_FRACTION.set(integers_without_fraction);
                (
                    NOTICED.replace(noticed),
                    STATE.with(|cell| cell.replace(state)),
                )
            }
            None => (false, None),
        }
    }
}

impl Drop for DecodeScope {
    fn drop(&mut self) {
        self.restore();
    }
}

fn with_state<R>(f: impl FnOnce(&mut DecodeState) -> R) -> Option<R> {
    match TRACKING.get() {
        Tracking::Off => None,
        Tracking::Detect => {
            NOTICED.set(true);
            None
        }
        Tracking::Paths => STATE.with(|state| state.borrow_mut().as_mut().map(f)),
    }
}

fn path_with(state: &DecodeState, last: Option<PathSegment>) -> JsonPath {
    let mut segments = state.path.clone();
    segments.extend(last);
    JsonPath::from(segments)
}

/// Whether integers written with a fraction part (`7.0`) are to be noted.
pub(crate) fn integers_without_fraction() -> bool {
    INTEGERS_WITHOUT_FRACTION.get()
}

/// Runs `read` with the path extended by `segment`; a failure inside is recorded with the
/// deepest path at which it happened.
#[inline]
pub(crate) fn within<T, E: Display>(
    segment: PathSegment,
    read: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    if TRACKING.get() != Tracking::Paths {
        return read();
    }
    let mut segment = Some(segment);
    let tracking = with_state(|state| state.path.extend(segment.take())).is_some();
    let result = read();
    if tracking {
        with_state(|state| {
            if let Err(error) = &result {
                if state.failure.is_none() {
                    let message = message_of(error);
                    state.failure = Some(Violation {
                        kind: classify(&message),
                        path: path_with(state, None),
                        message,
                    });
                }
            }
            state.path.pop();
        });
    }
    result
}

/// Records why decoding fails, at the current path extended by `last`.
pub(crate) fn fail_at(last: Option<PathSegment>, kind: ViolationKind, error: &impl Display) {
    with_state(|state| {
        if state.failure.is_none() {
            state.failure = Some(Violation {
                kind,
                path: path_with(state, last),
                message: message_of(error),
            });
        }
    });
}

/// Notes a tolerated deviation at the current path extended by `last`.
pub(crate) fn note(
    last: Option<PathSegment>,
    kind: ViolationKind,
    message: impl FnOnce() -> String,
) {
    with_state(|state| {
        let path = path_with(state, last);
        state.notes.push(Violation {
            kind,
            path,
            message: message(),
        });
    });
}

/// An error's message without the `at line L column C` that serde_json appends: the JSON
/// path says where, and the position would be relative to the payload, not the frame.
fn message_of(error: &impl Display) -> String {
    let mut message = error.to_string();
    if let Some(at) = message.rfind(" at line ") {
        let position = &message[at + " at line ".len()..];
        let is_position = position
            .split_once(" column ")
            .is_some_and(|(line, column)| {
                !line.is_empty()
                    && !column.is_empty()
                    && line.bytes().all(|b| b.is_ascii_digit())
                    && column.bytes().all(|b| b.is_ascii_digit())
            });
        if is_position {
            message.truncate(at);
        }
    }
    message
}

/// The violation kind of a serde error that no reader classified itself.
pub(crate) fn classify(message: &str) -> ViolationKind {
    if message.starts_with("invalid type") || message.starts_with("invalid length") {
        ViolationKind::WrongType
    } else {
        ViolationKind::InvalidJson
    }
}
