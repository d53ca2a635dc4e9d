//! What an attempt to deliver means for the delivery: delivered, tried again later (and
//! when), or given up. Plain decisions on what the receiver answered, without I/O.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::AttemptOutcome;

/// How a receiver answered an attempt, or why it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    /// The receiver answered with this HTTP status (and, for 429 or 503, perhaps a
    /// `Retry-After` in seconds).
    Answered {
        /// The HTTP status.
        status: u16,
        /// How long the receiver asked us to wait.
        retry_after: Option<Duration>,
    },
    /// No answer within the timeout.
    TimedOut,
    /// No connection, or the connection failed.
    Unreachable(String),
}

/// When to try a delivery again, and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; each further failure doubles it.
    pub first_retry: Duration,
    /// The longest wait between two attempts.
    pub max_retry: Duration,
    /// How many attempts in all before giving up.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 5 s, doubling up to an hour, 12 attempts: about six hours in all.
    fn default() -> Self {
        RetryPolicy {
            first_retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(3600),
            max_attempts: 12,
        }
    }
}

impl RetryPolicy {
    /// The outcome of an attempt made at `now` after `attempts_before` earlier ones.
    ///
    /// 2xx delivers. A timeout, no connection, 408, 429 and 5xx are tried again (at least as
    /// late as a `Retry-After` asks, within [`max_retry`](Self::max_retry)) until
    /// [`max_attempts`](Self::max_attempts) is reached. Every other answer (a 4xx, a
    /// redirect) gives up at once: the receiver refuses the delivery, and sending it again
    /// would not change that.
    pub fn outcome(
        &self,
        attempts_before: u32,
        result: &AttemptResult,
        now: DateTime<Utc>,
    ) -> AttemptOutcome {
        let (error, response_status, asked_wait) = match result {
            AttemptResult::Answered { status, .. } if (200..300).contains(status) => {
                return AttemptOutcome::Delivered {
                    response_status: i32::from(*status),
                };
            }
            AttemptResult::Answered {
                status,
                retry_after,
            } => {
                let error = format!("HTTP {status}");
                if !(*status == 408 || *status == 429 || (500..600).contains(status)) {
                    return AttemptOutcome::GiveUp {
                        error: format!("{error}: refused by the receiver"),
                        response_status: Some(i32::from(*status)),
                    };
                }
                (error, Some(i32::from(*status)), *retry_after)
            }
            AttemptResult::TimedOut => ("no answer within the timeout".to_owned(), None, None),
            AttemptResult::Unreachable(why) => (format!("unreachable: {why}"), None, None),
        };
        if attempts_before.saturating_add(1) >= self.max_attempts {
            return AttemptOutcome::GiveUp {
                error: format!("{error}; gave up after {} attempts", self.max_attempts),
                response_status,
            };
        }
        let wait = self
            .backoff(attempts_before)
            .max(asked_wait.unwrap_or_default())
            .min(self.max_retry);
        AttemptOutcome::Retry {
            error,
            response_status,
            next_attempt_at: now
                + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)),
        }
    }

    /// The wait after the failure of attempt number `attempts_before + 1`.
    fn backoff(&self, attempts_before: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempts_before.min(31))
            .unwrap_or(u32::MAX);
        self.first_retry
            .checked_mul(factor)
            .unwrap_or(self.max_retry)
            .min(self.max_retry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16) -> AttemptResult {
        AttemptResult::Answered {
            status,
            retry_after: None,
        }
    }

    fn wait(outcome: &AttemptOutcome, now: DateTime<Utc>) -> Option<i64> {
        match outcome {
            AttemptOutcome::Retry {
                next_attempt_at, ..
            } => Some((*next_attempt_at - now).num_seconds()),
            _ => None,
        }
    }

    #[test]
    fn each_answer_has_its_outcome() {
        let policy = RetryPolicy::default();
        let now = Utc::now();
        for status in [200, 201, 204, 299] {
            assert!(matches!(
                policy.outcome(0, &answered(status), now),
                AttemptOutcome::Delivered { .. }
            ));
        }
        for status in [408, 429, 500, 502, 503, 599] {
            assert_eq!(
                wait(&policy.outcome(0, &answered(status), now), now),
                Some(5)
            );
        }
        for result in [
            AttemptResult::TimedOut,
            AttemptResult::Unreachable("refused".into()),
        ] {
            assert_eq!(wait(&policy.outcome(0, &result, now), now), Some(5));
        }
        for status in [301, 400, 401, 403, 404, 410, 422] {
            assert!(matches!(
                policy.outcome(0, &answered(status), now),
                AttemptOutcome::GiveUp { .. }
            ));
        }
    }

    #[test]
    fn waits_double_up_to_the_longest_and_attempts_end() {
        let policy = RetryPolicy::default();
        let now = Utc::now();
        let waits: Vec<_> = (0..11)
            .map(|before| wait(&policy.outcome(before, &answered(503), now), now))
            .collect();
        assert_eq!(
            waits,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600].map(Some)
        );
        assert!(matches!(
            policy.outcome(11, &answered(503), now),
            AttemptOutcome::GiveUp { .. }
        ));
        assert!(matches!(
            policy.outcome(u32::MAX, &AttemptResult::TimedOut, now),
            AttemptOutcome::GiveUp { .. }
        ));
        let asked = AttemptResult::Answered {
            status: 429,
            retry_after: Some(Duration::from_secs(120)),
        };
        assert_eq!(wait(&policy.outcome(0, &asked, now), now), Some(120));
    }
}
