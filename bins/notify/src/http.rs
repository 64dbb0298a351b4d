//! One HTTP request with the retry rules every HTTP channel follows: a deadline per
//! attempt; retries with exponential backoff on timeouts, connection errors and 5xx;
//! `429 Too Many Requests` waits for `Retry-After`; other 4xx fail at once. Errors never
//! contain the URL (webhook URLs are secrets).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use reqwest::Method;

/// How often and how long to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (at least 1).
    pub attempts: u32,
    /// Deadline of one attempt.
    pub attempt_timeout: Duration,
    /// Wait before the second attempt; doubled after each.
    pub backoff: Duration,
    /// The longest `Retry-After` we wait; a longer one fails the channel.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            attempt_timeout: Duration::from_secs(10),
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Where (a secret: never printed).
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// 2xx status.
    pub status: u16,
    /// Body text.
    pub body: String,
}

/// Counts attempts so a caller that gives up (overall deadline) can still say how many.
#[derive(Debug, Clone, Default)]
pub struct Attempts(Arc<AtomicU32>);

impl Attempts {
    /// Attempts made so far.
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }

    /// Counts one more attempt and returns the count.
    pub fn bump(&self) -> u32 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let date =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = date - time::OffsetDateTime::now_utc();
    Some(wait.try_into().unwrap_or(Duration::ZERO))
}

fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn snippet(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = one_line.chars().take(200).collect();
    if one_line.chars().count() > 200 {
        cut.push('…');
    }
    cut
}

/// Sends `request` under `policy`; the error says what the last attempt saw.
pub async fn send(
    client: &reqwest::Client,
    request: &Request,
    policy: RetryPolicy,
    attempts: &Attempts,
) -> Result<Reply, String> {
    let mut delay = policy.backoff;
    let total = policy.attempts.max(1);
    loop {
        let attempt = attempts.bump();
        let mut builder = client
            .request(request.method.clone(), &request.url)
            .body(request.body.clone());
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let outcome = tokio::time::timeout(policy.attempt_timeout, async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.text().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        })
        .await;
        let mut wait = delay;
        let last;
        match outcome {
            Err(_) => {
                last = format!(
                    "no answer within {}",
                    slipway_kit::ui::format_ms(policy.attempt_timeout.as_millis())
                );
            }
            Ok(Err(e)) => last = describe(&e.without_url()),
            Ok(Ok((status, headers, body))) => {
                if (200..300).contains(&status) {
                    return Ok(Reply { status, body });
                }
                if status == 429 {
                    let asked = retry_after(&headers);
                    if let Some(asked) = asked {
                        if asked > policy.max_retry_after {
                            return Err(format!(
                                "rate limited (429) for {}s, longer than the {}s we wait",
                                asked.as_secs(),
                                policy.max_retry_after.as_secs()
                            ));
                        }
                        wait = asked;
                    }
                    last = "rate limited (429)".to_owned();
                } else if status >= 500 {
                    last = format!("answered {status}: {}", snippet(&body));
                } else {
                    return Err(format!("answered {status}: {}", snippet(&body)));
                }
            }
        }
        if attempt >= total {
            return Err(if total > 1 {
                format!("{last} (gave up after {attempt} attempts)")
            } else {
                last
            });
        }
        tracing::debug!(
            "attempt {attempt}/{total} failed: {last}; retrying in {}ms",
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
        if wait == delay {
            delay = delay.saturating_mul(2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            "retry-after",
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn snippets_are_one_short_line() {
        assert_eq!(snippet("a\n  b"), "a b");
        assert_eq!(snippet(&"x".repeat(300)).chars().count(), 201);
    }
}
