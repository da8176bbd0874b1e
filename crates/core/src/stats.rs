//! Summary statistics of the simulation models' metrics (docs/metrics.md): the Gini coefficient
//! and the median of float series. Floats, for reporting only; nothing here touches amounts.

/// The Gini coefficient of non-negative values (0: all equal; → 1: one takes all); NaN for
/// none or an all-zero set (its mean is 0: the coefficient is not defined, and a 0 would read as
/// "equal" and enter averages over runs). Sorts a copy: O(n log n).
#[must_use]
pub fn gini(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(f64::total_cmp);
    gini_sorted(&v)
}

/// [`gini`] of values already sorted ascending (by `f64::total_cmp`): O(n), no allocation.
#[must_use]
pub fn gini_sorted(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let total: f64 = v.iter().sum();
    if v.is_empty() || total <= 0.0 {
        return f64::NAN;
    }
    let weighted: f64 = v.iter().enumerate().map(|(i, x)| (i as f64 + 1.0) * x).sum();
    (2.0 * weighted) / (n * total) - (n + 1.0) / n
}

/// The median of a sorted slice: its middle value, or the mean of the two middle values for
/// an even length (NaN when empty).
#[must_use]
pub fn median_sorted(v: &[f64]) -> f64 {
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_figures() {
        assert!(gini(&[]).is_nan() && gini(&[0.0, 0.0]).is_nan());
        assert_eq!(gini(&[5.0, 5.0, 5.0, 5.0]), 0.0);
        // One of four takes all: G = (n − 1)/n = 0.75.
        assert!((gini(&[0.0, 0.0, 0.0, 8.0]) - 0.75).abs() < 1e-12);
        // 1, 2, 3, 4: G = 2·(1 + 4 + 9 + 16)/(4·10) − 5/4 = 0.25.
        assert!((gini(&[4.0, 1.0, 3.0, 2.0]) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn median_figures() {
        assert_eq!(median_sorted(&[1.0, 2.0, 3.0, 4.0]), 2.5);
        assert_eq!(median_sorted(&[1.0, 2.0, 7.0]), 2.0);
        assert!(median_sorted(&[]).is_nan());
    }
}
