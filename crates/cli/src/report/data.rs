//! The report's data side: a run directory's metrics.csv read as float columns, and the figures
//! the charts draw from them: the mean and p5–p95 band across Monte Carlo runs at each recorded
//! step, the final value of each run, the Lorenz curve of a set of values (docs/scenarios.md,
//! "Outputs"; docs/metrics.md). Floats, for display only: the exact amounts stay in the files.

use std::collections::BTreeMap;

use ergon_output::percentile_sorted;

/// metrics.csv as columns of floats (an empty cell or a non-number is NaN).
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// Column names, in file order.
    pub names: Vec<String>,
    /// One vector a column, each as long as the file has rows.
    pub columns: Vec<Vec<f64>>,
}

impl Metrics {
    /// Parses the CSV text the run wrote (a header line, then one line a row).
    pub fn parse(text: &str) -> Result<Metrics, String> {
        let mut lines = text.lines();
        let header = lines.next().ok_or("metrics.csv is empty")?;
        let names: Vec<String> = split(header).into_iter().map(str::to_owned).collect();
        let mut columns = vec![Vec::new(); names.len()];
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            let cells = split(line);
            if cells.len() != names.len() {
                return Err(format!(
                    "metrics.csv line {}: {} cells, the header has {}",
                    i + 2,
                    cells.len(),
                    names.len()
                ));
            }
            for (col, cell) in columns.iter_mut().zip(cells) {
                col.push(cell.trim_matches('"').parse::<f64>().unwrap_or(f64::NAN));
            }
        }
        Ok(Metrics { names, columns })
    }

    /// The column of that name, if the run has it.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.names.iter().position(|n| n == name).map(|i| self.columns[i].as_slice())
    }

    /// Whether the run has that column with at least one number in it.
    pub fn has(&self, name: &str) -> bool {
        self.column(name).is_some_and(|c| c.iter().any(|v| v.is_finite()))
    }

    /// Whether the column draws a line: at some sweep point, numbers at two recorded steps or
    /// more (a line needs two points). With `flows` the genesis row (day 0) does not count: flow
    /// charts leave it out ([`Band::without_genesis`]).
    pub fn has_line(&self, name: &str, flows: bool) -> bool {
        self.grouped(name).values().any(|steps| {
            let genesis = |day: f64| flows && day == 0.0;
            steps.values().filter(|(day, v)| !v.is_empty() && !genesis(*day)).count() >= 2
        })
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// The sweep point of each row (0 for a run without a sweep).
    fn points(&self) -> Vec<u64> {
        match self.column("point") {
            Some(p) => p.iter().map(|&v| v as u64).collect(),
            None => vec![0; self.rows()],
        }
    }

    /// The samples of one column, grouped by sweep point, then by epoch: (day, value) per run.
    fn grouped(&self, name: &str) -> BTreeMap<u64, BTreeMap<u64, (f64, Vec<f64>)>> {
        let mut out: BTreeMap<u64, BTreeMap<u64, (f64, Vec<f64>)>> = BTreeMap::new();
        let (Some(values), Some(epochs), Some(days)) =
            (self.column(name), self.column("epoch"), self.column("day"))
        else {
            return out;
        };
        for (i, point) in self.points().into_iter().enumerate() {
            let entry = out.entry(point).or_default().entry(epochs[i] as u64).or_default();
            entry.0 = days[i];
            if values[i].is_finite() {
                entry.1.push(values[i]);
            }
        }
        out
    }

    /// The band of one column at each sweep point: mean and p5–p95 across runs at each epoch.
    pub fn bands(&self, name: &str) -> BTreeMap<u64, Band> {
        self.grouped(name)
            .into_iter()
            .map(|(point, epochs)| (point, Band::from_samples(epochs.into_values())))
            .collect()
    }

    /// Each run's last value of one column, over every sweep point (NaN rows skipped).
    pub fn finals(&self, name: &str) -> Vec<f64> {
        let (Some(values), Some(runs)) = (self.column(name), self.column("run")) else {
            return Vec::new();
        };
        let mut last: BTreeMap<(u64, u64), f64> = BTreeMap::new();
        for (i, point) in self.points().into_iter().enumerate() {
            if values[i].is_finite() {
                last.insert((point, runs[i] as u64), values[i]);
            }
        }
        last.into_values().collect()
    }
}

/// Splits a CSV line at commas outside double quotes.
fn split(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&line[start..]);
    out
}

/// A metric over time at one sweep point: at each recorded step, the mean of the runs' values
/// and their 5th and 95th percentiles (linear interpolation, as summary.json's statistics).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Band {
    /// Days (the x axis).
    pub day: Vec<f64>,
    /// Mean across runs.
    pub mean: Vec<f64>,
    /// 5th percentile across runs.
    pub p5: Vec<f64>,
    /// 95th percentile across runs.
    pub p95: Vec<f64>,
}

impl Band {
    /// The band of samples given in step order, each a day and the runs' values at it (steps
    /// with no value skipped).
    pub fn from_samples(samples: impl IntoIterator<Item = (f64, Vec<f64>)>) -> Band {
        let mut band = Band::default();
        for (day, mut values) in samples {
            if values.is_empty() {
                continue;
            }
            values.sort_by(f64::total_cmp);
            band.day.push(day);
            band.mean.push(values.iter().sum::<f64>() / values.len() as f64);
            band.p5.push(percentile_sorted(&values, 5.0));
            band.p95.push(percentile_sorted(&values, 95.0));
        }
        band
    }

    /// The band without its genesis row (day 0), whose flows are zero by definition.
    pub fn without_genesis(&self) -> Band {
        let skip = usize::from(self.day.first() == Some(&0.0));
        Band {
            day: self.day[skip..].to_vec(),
            mean: self.mean[skip..].to_vec(),
            p5: self.p5[skip..].to_vec(),
            p95: self.p95[skip..].to_vec(),
        }
    }

    /// The smallest and largest value of the band (p5 and p95 included), if it has any.
    pub fn range(&self) -> Option<(f64, f64)> {
        span(self.p5.iter().chain(&self.p95).chain(&self.mean).copied())
    }
}

/// The least and greatest finite value, if any.
pub(crate) fn span(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The Lorenz curve of non-negative values: (share of holders, share of the total held by the
/// poorest that many), from (0, 0) to (1, 1), one point a value. None when the total is 0.
pub(crate) fn lorenz(values: &[f64]) -> Option<Vec<(f64, f64)>> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let total: f64 = v.iter().sum();
    if v.is_empty() || total <= 0.0 {
        return None;
    }
    let n = v.len() as f64;
    let mut out = vec![(0.0, 0.0)];
    let mut held = 0.0;
    for (i, x) in v.iter().enumerate() {
        held += x;
        out.push(((i + 1) as f64 / n, held / total));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "run,epoch,day,price,note\n\
        0,0,0,1,\n1,0,0,3,\n2,0,0,2,\n3,0,0,6,\n\
        0,10,1,10,\"a,b\"\n1,10,1,20,\n2,10,1,30,\n3,10,1,40,\n";

    #[test]
    fn band_mean_and_percentiles_by_hand() {
        let m = Metrics::parse(CSV).expect("valid csv");
        assert_eq!(m.rows(), 8);
        let bands = m.bands("price");
        let b = &bands[&0];
        assert_eq!(b.day, vec![0.0, 1.0]);
        // Day 0, sorted 1 2 3 6: mean 12/4 = 3. p5: h = 3 × 0.05 = 0.15 → 1 + 0.15 × (2 − 1)
        // = 1.15; p95: h = 2.85, fraction ≥ ½ → 6 − (6 − 3) × 0.15 = 5.55.
        // Day 1, 10 20 30 40: mean 25; p5 = 10 + 0.15 × 10 = 11.5; p95 = 40 − 0.15 × 10 = 38.5.
        assert_eq!(b.mean, vec![3.0, 25.0]);
        assert!((b.p5[0] - 1.15).abs() < 1e-12 && (b.p5[1] - 11.5).abs() < 1e-12);
        assert!((b.p95[0] - 5.55).abs() < 1e-12 && (b.p95[1] - 38.5).abs() < 1e-12);
        // The drawn range: lowest p5 (1.15) to highest p95 (38.5), not the raw 1 and 40.
        assert_eq!(b.range(), Some((1.15, 38.5)));
        assert_eq!(b.without_genesis().mean, vec![25.0]);
        assert_eq!(b.without_genesis().without_genesis().day, vec![1.0]);
        // Each run's last value: the day-1 row.
        assert_eq!(m.finals("price"), vec![10.0, 20.0, 30.0, 40.0]);
        // A quoted comma stays in its cell; text cells are NaN.
        assert!(!m.has("note"));
        assert!(m.has("price"));
    }

    #[test]
    fn sweep_points_get_their_own_band() {
        let csv = "point,run,epoch,day,x\n0,0,0,0,1\n0,1,0,0,3\n1,0,0,0,5\n1,1,0,0,9\n";
        let m = Metrics::parse(csv).expect("valid csv");
        let bands = m.bands("x");
        // Point 0: mean (1 + 3) / 2 = 2, p5 = 1 + 0.05 × 2 = 1.1; point 1: mean 7, p95 =
        // 9 − 0.05 × 4 = 8.8.
        assert_eq!(bands[&0].mean, vec![2.0]);
        assert!((bands[&0].p5[0] - 1.1).abs() < 1e-12);
        assert_eq!(bands[&1].mean, vec![7.0]);
        assert!((bands[&1].p95[0] - 8.8).abs() < 1e-12);
    }

    #[test]
    fn a_line_needs_two_steps_with_numbers() {
        // `once`: a number at genesis only (a figure the run leaves NaN afterwards); `flow`: at
        // genesis and day 1, so a flow chart (genesis left out) has one point; `late`: NaN at
        // genesis, then days 1 and 2; `gaps`: one run at day 1, the other at day 2.
        let csv = "run,epoch,day,once,flow,late,gaps\n\
            0,0,0,0,0,,\n1,0,0,0,0,,\n\
            0,1,1,,5,1,7\n1,1,1,,6,2,\n\
            0,2,2,,,3,\n1,2,2,,,4,8\n";
        let m = Metrics::parse(csv).expect("valid csv");
        assert!(m.has("once") && !m.has_line("once", false) && !m.has_line("once", true));
        assert!(m.has_line("flow", false) && !m.has_line("flow", true));
        assert!(m.has_line("late", false) && m.has_line("late", true));
        assert!(m.has_line("gaps", true));
        assert!(!m.has_line("absent", false));
        let csv = "point,run,epoch,day,x\n0,0,0,0,1\n0,0,1,1,2\n1,0,0,0,3\n";
        let m = Metrics::parse(csv).expect("valid csv");
        // Point 0 has two steps: the column draws a line there.
        assert!(m.has_line("x", false) && !m.has_line("x", true));
    }

    #[test]
    fn a_short_row_is_an_error() {
        let err = Metrics::parse("run,epoch\n0\n").expect_err("short row");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn lorenz_and_gini_by_hand() {
        // Values 1, 1, 2, 4 (total 8): the Lorenz points are (¼, 1/8), (½, 2/8), (¾, 4/8),
        // (1, 1). Gini = 2 Σ i·x_i / (n Σx) − (n + 1)/n = 2 (1 + 2 + 6 + 16) / 32 − 5/4
        // = 50/32 − 40/32 = 0.3125; also 1 − 2 × (area under the curve) with the trapezoids
        // (¼)(0 + ⅛)/2 + (¼)(⅛ + ¼)/2 + (¼)(¼ + ½)/2 + (¼)(½ + 1)/2 = (¼)(2.75)/2 = 0.34375:
        // 1 − 0.6875 = 0.3125.
        let pts = lorenz(&[4.0, 1.0, 2.0, 1.0]).expect("a positive total");
        assert_eq!(pts, vec![(0.0, 0.0), (0.25, 0.125), (0.5, 0.25), (0.75, 0.5), (1.0, 1.0)]);
        let g = ergon_core::stats::gini(&[4.0, 1.0, 2.0, 1.0]);
        assert!((g - 0.3125).abs() < 1e-12, "{g}");
        assert_eq!(lorenz(&[0.0, 0.0]), None);
    }
}
