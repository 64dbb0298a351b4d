//! The window a report covers: `--since 30d` or a date, `--until` a date (default now).
//! Both ends in UTC; a run belongs to the window when it finished at or after `since` and
//! before `until`.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A half-open span of time `[since, until)` in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Start, inclusive.
    pub since: i64,
    /// End, exclusive.
    pub until: i64,
}

impl Window {
    /// Builds the window from the flags: `since` is a duration back from `until` (`30d`,
    /// `12w`, `36h`), a date (`2026-03-01`, its start) or an RFC 3339 time; `until` is a
    /// date (the end of that day), an RFC 3339 time, or absent (`now`). The error names
    /// the flag and the value.
    pub fn parse(since: Option<&str>, until: Option<&str>, now: i64) -> Result<Self, String> {
        let until = match until {
            // Runs are compared by whole seconds and `until` is exclusive: a run that ended
            // earlier in this very second is in.
            None => now + 1,
            Some(u) => parse_point(u, true).map_err(|e| format!("--until {u:?}: {e}"))?,
        };
        let since = match since.unwrap_or("30d") {
            s if s.trim().chars().next().is_some_and(|c| c.is_ascii_digit())
                && !s.contains('-') =>
            {
                let d: slipway_config::Duration = s
                    .parse()
                    .map_err(|e: String| format!("--since {s:?}: {e}"))?;
                until - i64::try_from(d.as_std().as_secs()).unwrap_or(i64::MAX / 2)
            }
            s => parse_point(s, false).map_err(|e| format!("--since {s:?}: {e}"))?,
        };
        if since >= until {
            return Err(format!(
                "--since {} is not before --until {}",
                rfc3339(since),
                rfc3339(until)
            ));
        }
        Ok(Self { since, until })
    }

    /// Whether `t` falls inside.
    pub fn contains(&self, t: i64) -> bool {
        t >= self.since && t < self.until
    }

    /// Its length in days (fractional).
    #[allow(clippy::cast_precision_loss)]
    pub fn days(&self) -> f64 {
        (self.until - self.since) as f64 / DAY as f64
    }

    /// The window of the same length just before this one (for trends).
    #[must_use]
    pub fn previous(&self) -> Self {
        Self {
            since: self.since - (self.until - self.since),
            until: self.since,
        }
    }
}

fn parse_point(text: &str, end_of_day: bool) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(text, &format)
        .map_err(|_| "write a date like 2026-03-01, a time like 2026-03-01T12:00:00Z, or (for --since) a span like 30d".to_owned())?;
    let start = date.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp();
    Ok(if end_of_day { start + DAY } else { start })
}

/// Unix seconds from an RFC 3339 time, if it is one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// RFC 3339 (UTC, seconds) of Unix seconds.
pub fn rfc3339(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// `YYYY-MM-DD` (UTC) of Unix seconds.
pub fn date(t: i64) -> String {
    rfc3339(t).chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_772_366_400; // 2026-03-01T12:00:00Z

    #[test]
    fn a_span_counts_back_from_until_and_dates_cover_whole_days() {
        let w = Window::parse(Some("30d"), None, NOW).unwrap();
        assert_eq!((w.until - w.since) / DAY, 30);
        assert_eq!(w.until, NOW + 1, "a run that ended in this second is in");
        let w = Window::parse(Some("2026-02-01"), Some("2026-02-28"), NOW).unwrap();
        assert_eq!(rfc3339(w.since), "2026-02-01T00:00:00Z");
        assert_eq!(
            rfc3339(w.until),
            "2026-03-01T00:00:00Z",
            "until covers its day"
        );
        assert!((w.days() - 28.0).abs() < 1e-9);
        assert_eq!(rfc3339(w.previous().since), "2026-01-04T00:00:00Z");
        let w = Window::parse(
            Some("2026-02-01T06:00:00Z"),
            Some("2026-02-02T06:00:00Z"),
            NOW,
        )
        .unwrap();
        assert!(w.contains(w.since) && !w.contains(w.until));
    }

    #[test]
    fn bad_spellings_and_backward_windows_name_the_flag() {
        let e = Window::parse(Some("last month"), None, NOW).unwrap_err();
        assert!(e.starts_with("--since \"last month\""), "{e}");
        let e = Window::parse(None, Some("01/03/2026"), NOW).unwrap_err();
        assert!(e.starts_with("--until \"01/03/2026\""), "{e}");
        let e = Window::parse(Some("2026-03-02"), Some("2026-03-01"), NOW).unwrap_err();
        assert!(e.contains("is not before"), "{e}");
    }
}
