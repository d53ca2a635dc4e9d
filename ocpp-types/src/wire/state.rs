//! The per-thread state of a running decode: the current JSON path, the deviations noted so
//! far, and where decoding failed.
//!
//! serde gives a `Deserialize` implementation no context, so the readers find it here. The
//! state exists only inside a [`DecodeScope`]; outside one every function is a no-op.

use std::cell::RefCell;
use std::fmt::Display;

use crate::validate::{JsonPath, PathSegment, Violation, ViolationKind};

#[derive(Debug, Default)]
struct DecodeState {
    path: Vec<PathSegment>,
    notes: Vec<Violation>,
    failure: Option<Violation>,
}

thread_local! {
    static STATE: RefCell<Option<DecodeState>> = const { RefCell::new(None) };
}

/// What a decode noted: deviations it tolerated, and the reason it failed, if it did.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(crate) notes: Vec<Violation>,
    pub(crate) failure: Option<Violation>,
}

/// Turns on path tracking and note taking for this thread until dropped.
pub(crate) struct DecodeScope {
    outer: Option<DecodeState>,
}

impl DecodeScope {
    pub(crate) fn enter() -> DecodeScope {
        let outer = STATE.with(|state| state.borrow_mut().replace(DecodeState::default()));
        DecodeScope { outer }
    }

    /// Ends the scope and returns what it found.
    pub(crate) fn finish(mut self) -> Findings {
        let state = STATE
            .with(|state| state.replace(self.outer.take()))
            .unwrap_or_default();
        Findings {
            notes: state.notes,
            failure: state.failure,
        }
    }
}

impl Drop for DecodeScope {
    fn drop(&mut self) {
        if let Some(outer) = self.outer.take() {
            STATE.with(|state| state.replace(Some(outer)));
        }
    }
}

fn with_state<R>(f: impl FnOnce(&mut DecodeState) -> R) -> Option<R> {
    STATE.with(|state| state.borrow_mut().as_mut().map(f))
}

fn path_with(state: &DecodeState, last: Option<PathSegment>) -> JsonPath {
    let mut segments = state.path.clone();
    segments.extend(last);
    JsonPath::from(segments)
}

/// Runs `read` with the path extended by `segment`; a failure inside is recorded with the
/// deepest path at which it happened.
#[inline]
pub(crate) fn within<T, E: Display>(
    segment: PathSegment,
    read: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let mut segment = Some(segment);
    let tracking = with_state(|state| state.path.extend(segment.take())).is_some();
    let result = read();
    if tracking {
        with_state(|state| {
            if let Err(error) = &result {
                if state.failure.is_none() {
                    state.failure = Some(Violation {
                        kind: classify(&error.to_string()),
                        path: path_with(state, None),
                        message: error.to_string(),
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
                message: error.to_string(),
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

/// The violation kind of a serde error that no reader classified itself.
pub(crate) fn classify(message: &str) -> ViolationKind {
    if message.starts_with("invalid type") || message.starts_with("invalid length") {
        ViolationKind::WrongType
    } else {
        ViolationKind::InvalidJson
    }
}
