//! When to retry a GitHub request and how long to wait, per GitHub's rate-limit rules:
//! `Retry-After` first, then `x-ratelimit-remaining: 0` with `x-ratelimit-reset`, then
//! exponential backoff for 5xx and secondary limits.

use std::time::Duration;

/// Retry limits. The defaults suit CI: four attempts, waits up to a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, including the first.
    pub max_attempts: u32,
    /// First backoff delay; doubles each attempt.
    pub base_delay: Duration,
    /// The longest single wait we accept; a longer rate-limit wait is an error.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Use this answer.
    Done,
    /// Wait, then try again.
    RetryAfter(Duration),
    /// Rate limited for longer than `max_wait`: give up, saying how long.
    TooLong(Duration),
}

/// The parts of an answer the decision needs.
#[derive(Debug, Clone, Default)]
pub struct Answer<'a> {
    /// Status code; `None` when no answer arrived (transport error).
    pub status: Option<u16>,
    /// `Retry-After` in seconds.
    pub retry_after: Option<u64>,
    /// `x-ratelimit-remaining`.
    pub remaining: Option<u64>,
    /// `x-ratelimit-reset` as Unix seconds.
    pub reset: Option<u64>,
    /// Start of the body, to recognise secondary rate limits.
    pub body: &'a str,
}

impl RetryPolicy {
    /// Decides after attempt number `attempt` (1-based). `idempotent` requests also retry
    /// on 5xx and transport errors; a POST retries only when the server said it did nothing
    /// (rate limits).
    pub fn decide(
        &self,
        attempt: u32,
        answer: &Answer<'_>,
        idempotent: bool,
        now_unix: u64,
    ) -> Decision {
        let rate_limited = match answer.status {
            Some(429) => true,
            Some(403) => {
                answer.retry_after.is_some()
                    || answer.remaining == Some(0)
                    || answer
                        .body
                        .to_ascii_lowercase()
                        .contains("secondary rate limit")
            }
            _ => false,
        };
        let retryable =
            rate_limited || (idempotent && matches!(answer.status, None | Some(500..=599)));
        if !retryable {
            return Decision::Done;
        }
        let wait = if let Some(secs) = answer.retry_after {
            Duration::from_secs(secs)
        } else if rate_limited && answer.remaining == Some(0) && answer.reset.is_some() {
            Duration::from_secs(answer.reset.unwrap_or(now_unix).saturating_sub(now_unix) + 1)
        } else {
            let exp = attempt.saturating_sub(1).min(10);
            let base = self.base_delay * 2u32.pow(exp);
            if rate_limited {
                base.max(Duration::from_secs(1).min(self.max_wait))
            } else {
                base
            }
        };
        if wait > self.max_wait {
            return if rate_limited {
                Decision::TooLong(wait)
            } else {
                Decision::RetryAfter(self.max_wait)
            };
        }
        if attempt >= self.max_attempts {
            return Decision::Done;
        }
        Decision::RetryAfter(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_wait: Duration::from_secs(60),
        }
    }

    fn status(s: u16) -> Answer<'static> {
        Answer {
            status: Some(s),
            ..Answer::default()
        }
    }

    #[test]
    fn success_and_client_errors_are_final() {
        for s in [200, 201, 204, 400, 401, 404, 422] {
            assert_eq!(
                policy().decide(1, &status(s), true, 0),
                Decision::Done,
                "{s}"
            );
        }
    }

    #[test]
    fn server_errors_back_off_exponentially_then_stop() {
        let p = policy();
        assert_eq!(
            p.decide(1, &status(502), true, 0),
            Decision::RetryAfter(Duration::from_millis(100))
        );
        assert_eq!(
            p.decide(2, &status(500), true, 0),
            Decision::RetryAfter(Duration::from_millis(200))
        );
        assert_eq!(
            p.decide(3, &status(503), true, 0),
            Decision::RetryAfter(Duration::from_millis(400))
        );
        assert_eq!(p.decide(4, &status(503), true, 0), Decision::Done);
    }

    #[test]
    fn post_is_not_retried_on_server_errors_or_transport_failures() {
        assert_eq!(policy().decide(1, &status(500), false, 0), Decision::Done);
        assert_eq!(
            policy().decide(1, &Answer::default(), false, 0),
            Decision::Done
        );
        assert_eq!(
            policy().decide(1, &Answer::default(), true, 0),
            Decision::RetryAfter(Duration::from_millis(100))
        );
    }

    #[test]
    fn retry_after_is_honoured_even_for_post() {
        let a = Answer {
            status: Some(429),
            retry_after: Some(3),
            ..Answer::default()
        };
        assert_eq!(
            policy().decide(1, &a, false, 0),
            Decision::RetryAfter(Duration::from_secs(3))
        );
        let a = Answer {
            status: Some(403),
            retry_after: Some(2),
            ..Answer::default()
        };
        assert_eq!(
            policy().decide(1, &a, true, 0),
            Decision::RetryAfter(Duration::from_secs(2))
        );
    }

    #[test]
    fn primary_limit_waits_until_reset_or_gives_up_when_too_far() {
        let a = Answer {
            status: Some(403),
            remaining: Some(0),
            reset: Some(1_010),
            ..Answer::default()
        };
        assert_eq!(
            policy().decide(1, &a, true, 1_000),
            Decision::RetryAfter(Duration::from_secs(11))
        );
        let a = Answer {
            status: Some(403),
            remaining: Some(0),
            reset: Some(5_000),
            ..Answer::default()
        };
        assert_eq!(
            policy().decide(1, &a, true, 1_000),
            Decision::TooLong(Duration::from_secs(4_001))
        );
    }

    #[test]
    fn secondary_limit_is_recognised_by_its_message() {
        let a = Answer {
            status: Some(403),
            body: "You have exceeded a secondary rate limit",
            ..Answer::default()
        };
        assert!(matches!(
            policy().decide(1, &a, true, 0),
            Decision::RetryAfter(_)
        ));
        let a = Answer {
            status: Some(403),
            body: "Resource not accessible by integration",
            ..Answer::default()
        };
        assert_eq!(policy().decide(1, &a, true, 0), Decision::Done);
    }
}
