//! Statistics of one figure across a run's Monte Carlo runs: mean, 5th / 50th / 95th
//! percentiles, minimum and maximum.

use serde::Serialize;

/// Statistics of a set of values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Stat {
    /// The arithmetic mean (compensated sum of the sorted values, divided by `n`).
    pub mean: f64,
    /// The 5th percentile.
    pub p5: f64,
    /// The median.
    pub p50: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// The number of values counted (NaN values are not).
    pub n: usize,
}

/// Statistics of `values`, skipping NaN; `None` when no value is left. Percentiles are
/// computed as by [`percentile_sorted`].
///
/// The result does not depend on the order of `values`. Infinite values are counted: they make
/// the mean and the percentiles near them infinite (or NaN where `inf - inf` arises).
pub fn stat(values: &[f64]) -> Option<Stat> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    Some(Stat {
        mean: neumaier_sum(&sorted) / sorted.len() as f64,
        p5: percentile_sorted(&sorted, 5.0),
        p50: percentile_sorted(&sorted, 50.0),
        p95: percentile_sorted(&sorted, 95.0),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        n: sorted.len(),
    })
}

/// The `p`-th percentile (`0 ≤ p ≤ 100`) of non-empty, ascending, NaN-free `sorted`.
///
/// The percentile uses linear interpolation between the closest ranks, numpy's default `linear`
/// method (Hyndman & Fan type 7): over the `n` sorted values `x[0] ≤ … ≤ x[n-1]`, the `p`-th
/// percentile sits at index `h = (n - 1) · p / 100` and is `x[⌊h⌋] + (h - ⌊h⌋) · (x[⌊h⌋+1] -
/// x[⌊h⌋])`. The arithmetic follows numpy's step by step (`q = p / 100`, `h = (n - 1) · q`,
/// and for a fraction of at least ½ the value is computed from the upper neighbour), as in
/// `numpy.nanpercentile(values, p)`.
///
/// # Panics
/// If `sorted` is empty or `p` is outside `0..=100`.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty(), "the percentile of no values");
    assert!((0.0..=100.0).contains(&p), "percentile {p} outside 0..=100");
    let last = sorted.len() - 1;
    let h = last as f64 * (p / 100.0);
    let below = (h.floor() as usize).min(last);
    let above = (below + 1).min(last);
    let t = h - below as f64;
    let (a, b) = (sorted[below], sorted[above]);
    let diff = b - a;
    if t >= 0.5 { b - diff * (1.0 - t) } else { a + diff * t }
}

/// The sum of `values` with Neumaier's compensation.
fn neumaier_sum(values: &[f64]) -> f64 {
    let mut sum = 0.0_f64;
    let mut compensation = 0.0_f64;
    for &v in values {
        let t = sum + v;
        if sum.abs() >= v.abs() {
            compensation += (sum - t) + v;
        } else {
            compensation += (v - t) + sum;
        }
        sum = t;
    }
    sum + compensation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn one_to_four() {
        let s = stat(&[4.0, 1.0, 3.0, 2.0]).expect("values");
        assert_eq!((s.mean, s.p50, s.min, s.max, s.n), (2.5, 2.5, 1.0, 4.0, 4));
        assert!(close(s.p5, 1.15), "{}", s.p5);
        assert!(close(s.p95, 3.85), "{}", s.p95);
    }

    #[test]
    fn numpy_figures() {
        // numpy.percentile(range(1, 11), [5, 50, 95]) == [1.45, 5.5, 9.55]
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = stat(&values).expect("values");
        assert!(close(s.p5, 1.45), "{}", s.p5);
        assert_eq!(s.p50, 5.5);
        assert!(close(s.p95, 9.55), "{}", s.p95);
        assert_eq!(s.mean, 5.5);
        // Odd count: the median is the middle value.
        let s = stat(&[10.0, 0.0, 5.0]).expect("values");
        assert_eq!((s.p50, s.p5, s.p95), (5.0, 0.5, 9.5));
    }

    #[test]
    fn single_value_and_nan() {
        let s = stat(&[f64::NAN, 7.0, f64::NAN]).expect("one value");
        assert_eq!(
            (s.mean, s.p5, s.p50, s.p95, s.min, s.max, s.n),
            (7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 1)
        );
        assert_eq!(stat(&[]), None);
        assert_eq!(stat(&[f64::NAN]), None);
    }

    #[test]
    fn order_does_not_matter() {
        let a = [0.1, 1e16, -1e16, 0.2, 3.0];
        let b = [3.0, -1e16, 0.2, 1e16, 0.1];
        assert_eq!(stat(&a), stat(&b));
        assert!(close(stat(&a).expect("values").mean, 3.3 / 5.0));
    }

    #[test]
    fn extremes_of_percentiles() {
        let sorted = [1.0, 2.0, 4.0];
        assert_eq!(percentile_sorted(&sorted, 0.0), 1.0);
        assert_eq!(percentile_sorted(&sorted, 100.0), 4.0);
        assert_eq!(percentile_sorted(&sorted, 75.0), 3.0);
    }
}
