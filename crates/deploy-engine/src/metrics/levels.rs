//! DORA's performance levels for each key, with the 2023 report's thresholds as Apache
//! DevLake reads them (it splits the report's overlapping medium and low bands into a
//! definite cut, and so does Slipway):
//!
//! | key | elite | high | medium | low |
//! | --- | --- | --- | --- | --- |
//! | deployment frequency | on demand: 1 or more deployments a day | a deployment day a week or more | a deployment day a month or more | fewer |
//! | lead time (median) | under a day | under a week | under 30 days | longer |
//! | change failure rate | 5 % or less | 10 % or less | 15 % or less | more |
//! | time to restore (median) | under an hour | under a day | under a week | longer |
//!
//! A key with no figure (nothing measured in the window) has no level: `null`.

use serde::Serialize;

use super::window::DAY;

/// One of DORA's four clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The best.
    Elite,
    /// Second.
    High,
    /// Third.
    Medium,
    /// Last.
    Low,
}

impl Level {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Elite => "elite",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }
}

/// The level of each key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Levels {
    /// From deployments per day and deployment days per week.
    pub deployment_frequency: Option<Level>,
    /// From the median lead time.
    pub lead_time: Option<Level>,
    /// From the change failure rate.
    pub change_failure_rate: Option<Level>,
    /// From the median time to restore.
    pub time_to_restore: Option<Level>,
}

/// Deployment frequency: elite at one deployment a day or more on average, high at one
/// deployment day a week or more, medium at one a month (30 days) or more, else low.
pub fn deployment_frequency(per_day: f64, days_per_week: f64) -> Level {
    if per_day >= 1.0 {
        Level::Elite
    } else if days_per_week >= 1.0 {
        Level::High
    } else if days_per_week * 30.0 / 7.0 >= 1.0 {
        Level::Medium
    } else {
        Level::Low
    }
}

/// Lead time from its median in seconds.
#[allow(clippy::cast_precision_loss)]
pub fn lead_time(median: f64) -> Level {
    let day = DAY as f64;
    if median < day {
        Level::Elite
    } else if median < 7.0 * day {
        Level::High
    } else if median < 30.0 * day {
        Level::Medium
    } else {
        Level::Low
    }
}

/// Change failure rate (0..=1).
pub fn change_failure_rate(rate: f64) -> Level {
    if rate <= 0.05 {
        Level::Elite
    } else if rate <= 0.10 {
        Level::High
    } else if rate <= 0.15 {
        Level::Medium
    } else {
        Level::Low
    }
}

/// Time to restore from its median in seconds.
#[allow(clippy::cast_precision_loss)]
pub fn time_to_restore(median: f64) -> Level {
    let day = DAY as f64;
    if median < 3600.0 {
        Level::Elite
    } else if median < day {
        Level::High
    } else if median < 7.0 * day {
        Level::Medium
    } else {
        Level::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_fall_on_the_documented_side() {
        assert_eq!(deployment_frequency(1.0, 7.0), Level::Elite);
        assert_eq!(deployment_frequency(0.2, 1.0), Level::High);
        assert_eq!(deployment_frequency(0.04, 7.0 / 30.0), Level::Medium);
        assert_eq!(deployment_frequency(0.0, 0.0), Level::Low);
        assert_eq!(lead_time(86_399.0), Level::Elite);
        assert_eq!(lead_time(86_400.0), Level::High);
        assert_eq!(lead_time(30.0 * 86_400.0), Level::Low);
        assert_eq!(change_failure_rate(0.05), Level::Elite);
        assert_eq!(change_failure_rate(0.1), Level::High);
        assert_eq!(change_failure_rate(0.15), Level::Medium);
        assert_eq!(change_failure_rate(0.5), Level::Low);
        assert_eq!(time_to_restore(3599.0), Level::Elite);
        assert_eq!(time_to_restore(3600.0), Level::High);
        assert_eq!(time_to_restore(7.0 * 86_400.0), Level::Low);
    }
}
