//! Median and p90 as Four Keys computes them: BigQuery's `PERCENTILE_CONT`, linear
//! interpolation between the two nearest ranks.

use serde::Serialize;

/// The median and 90th percentile of a set of durations, in seconds; both `null` when the
/// set is empty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Spread {
    /// 50th percentile.
    pub median: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
}

impl Spread {
    /// Of `values` (any order).
    pub fn of(values: &[i64]) -> Self {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        Self {
            median: percentile(&sorted, 0.5),
            p90: percentile(&sorted, 0.9),
        }
    }
}

/// The `p` percentile (0..=1) of `sorted`, interpolated; `None` when empty.
#[allow(clippy::cast_precision_loss)]
pub fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p * last as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let low = rank.floor() as usize;
    let high = (low + 1).min(last);
    let frac = rank - low as f64;
    Some(sorted[low] as f64 + (sorted[high] - sorted[low]) as f64 * frac)
}

/// `num / den`, or `None` when `den` is 0 (never a division by zero, never a made-up 0 %).
#[allow(clippy::cast_precision_loss)]
pub fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_percentile_cont() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.9), Some(7.0));
        assert_eq!(percentile(&[1, 2, 3, 4], 0.5), Some(2.5));
        // rank 0.9 * 9 = 8.1 between 90 and 100
        let v: Vec<i64> = (1..=10).map(|i| i * 10).collect();
        assert!((percentile(&v, 0.9).unwrap() - 91.0).abs() < 1e-9);
        assert_eq!(Spread::of(&[30, 10, 20]).median, Some(20.0));
        assert_eq!(ratio(1, 0), None);
        assert_eq!(ratio(1, 4), Some(0.25));
    }
}
