//! Distributions of agent behaviour in scenario files: how many requests a user makes, how big
//! a deposit is, how well a node performs. Agent draws are floats (they model behaviour, not
//! money); an amount drawn from a distribution becomes exact base units at the draw, rounded
//! down by [`to_base_units`], and from then on everything is integer.
//!
//! In a scenario a distribution is a plain number (a constant) or a table naming its kind:
//!
//! ```toml
//! deposit = 10000                                        # constant
//! deposit = { dist = "lognormal", median = 10000, sigma = 0.5 }
//! capacity = { dist = "uniform", low = 1000, high = 5000 }
//! score = { dist = "normal", mean = 0.9, sd = 0.05 }     # draws below `min` are raised to it
//! rate = { dist = "exponential", mean = 2.0 }
//! size = { dist = "pareto", scale = 0.01, shape = 1.5 }
//! ```
//!
//! Draws use `rand_distr` on a [`StreamRng`]: the same seed gives the same draws on the same
//! platform (the transcendental functions are the platform's `libm`).

use std::fmt;

use rand_distr::{Distribution, Exp, LogNormal, Normal, Pareto};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::StreamRng;

/// A distribution's parameters, as a scenario writes them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    /// Always `value`.
    Constant {
        /// The value.
        value: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Normal with `mean` and standard deviation `sd`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Log-normal with the given `median` (e^μ) and `sigma` (σ of the logarithm).
    Lognormal {
        /// Median, > 0.
        median: f64,
        /// σ of ln X, ≥ 0.
        sigma: f64,
    },
    /// Exponential with the given `mean`.
    Exponential {
        /// Mean, > 0.
        mean: f64,
    },
    /// Pareto (type I) with minimum `scale` and tail index `shape`.
    Pareto {
        /// Minimum value, > 0.
        scale: f64,
        /// Tail index, > 0.
        shape: f64,
    },
}

impl Dist {
    /// A constant.
    #[must_use]
    pub const fn constant(value: f64) -> Dist {
        Dist::Constant { value }
    }

    /// Checks the parameters: finite, positive where they must be, and (when `min` is given)
    /// a distribution that can reach values ≥ `min`. The message names the parameter.
    pub fn validate(&self, min: Option<f64>) -> Result<(), String> {
        let finite = |name: &str, v: f64| {
            if v.is_finite() { Ok(()) } else { Err(format!("`{name}` must be finite, not {v}")) }
        };
        let positive = |name: &str, v: f64| {
            finite(name, v)?;
            if v > 0.0 { Ok(()) } else { Err(format!("`{name}` must be > 0, not {v}")) }
        };
        let non_negative = |name: &str, v: f64| {
            finite(name, v)?;
            if v >= 0.0 { Ok(()) } else { Err(format!("`{name}` must be ≥ 0, not {v}")) }
        };
        match *self {
            Dist::Constant { value } => finite("value", value)?,
            Dist::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                if low > high {
                    return Err(format!("`low` ({low}) must not exceed `high` ({high})"));
                }
            }
            Dist::Normal { mean, sd } => {
                finite("mean", mean)?;
                non_negative("sd", sd)?;
            }
            Dist::Lognormal { median, sigma } => {
                positive("median", median)?;
                non_negative("sigma", sigma)?;
            }
            Dist::Exponential { mean } => positive("mean", mean)?,
            Dist::Pareto { scale, shape } => {
                positive("scale", scale)?;
                positive("shape", shape)?;
            }
        }
        if let Some(min) = min
            && self.upper_bound() < min
        {
            return Err(format!("every draw would be below the minimum {min}"));
        }
        Ok(())
    }

    /// The smallest value the distribution can take (−∞ for a normal with a spread).
    #[must_use]
    pub fn lower_bound(&self) -> f64 {
        match *self {
            Dist::Constant { value } => value,
            Dist::Uniform { low, .. } => low,
            Dist::Normal { mean, sd: 0.0 } => mean,
            Dist::Normal { .. } => f64::NEG_INFINITY,
            Dist::Lognormal { .. } | Dist::Exponential { .. } => 0.0,
            Dist::Pareto { scale, .. } => scale,
        }
    }

    /// Checks that the distribution's bounded ends lie in `[lo, hi]`: a constant, a uniform's
    /// `low` and `high`, a Pareto's `scale` (a normal's unbounded tails are left to the field's
    /// clamp, as documented). The message names the end.
    pub fn check_range(&self, lo: f64, hi: f64) -> Result<(), String> {
        for end in [self.lower_bound(), self.upper_bound()] {
            if end.is_finite() && end < lo {
                return Err(format!("its draws reach {end}, below the field's least value {lo}"));
            }
            if end.is_finite() && end > hi {
                return Err(format!(
                    "its draws reach {end}, above the field's greatest value {hi}"
                ));
            }
        }
        Ok(())
    }

    /// The largest value the distribution can take (∞ for unbounded ones).
    #[must_use]
    pub fn upper_bound(&self) -> f64 {
        match *self {
            Dist::Constant { value } => value,
            Dist::Uniform { high, .. } => high,
            Dist::Normal { mean, sd: 0.0 } => mean,
            _ => f64::INFINITY,
        }
    }

    /// The distribution's mean (∞ for a Pareto with shape ≤ 1).
    #[must_use]
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Constant { value } => value,
            Dist::Uniform { low, high } => (low + high) / 2.0,
            Dist::Normal { mean, .. } | Dist::Exponential { mean } => mean,
            Dist::Lognormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Dist::Pareto { scale, shape } if shape > 1.0 => scale * shape / (shape - 1.0),
            Dist::Pareto { .. } => f64::INFINITY,
        }
    }

    /// A sampler of this distribution whose draws are raised to at least `min` (use 0 for a
    /// quantity that cannot be negative). Call [`Dist::validate`] first: invalid parameters
    /// sample as the constant `min`.
    #[must_use]
    pub fn sampler(&self, min: f64) -> Sampler {
        let kind = match *self {
            Dist::Constant { value } => Kind::Constant(value),
            Dist::Uniform { low, high } => Kind::Uniform { low, width: high - low },
            Dist::Normal { mean, sd } => {
                Normal::new(mean, sd).map(Kind::Normal).unwrap_or(Kind::Constant(min))
            }
            Dist::Lognormal { median, sigma } => LogNormal::new(median.ln(), sigma)
                .map(Kind::Lognormal)
                .unwrap_or(Kind::Constant(min)),
            Dist::Exponential { mean } => {
                Exp::new(1.0 / mean).map(Kind::Exponential).unwrap_or(Kind::Constant(min))
            }
            Dist::Pareto { scale, shape } => {
                Pareto::new(scale, shape).map(Kind::Pareto).unwrap_or(Kind::Constant(min))
            }
        };
        Sampler { kind, min, from: *self }
    }
}

/// Deserializes a plain number as a constant, a table by its `dist` tag.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Dist, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Dist;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number or a table with `dist = \"constant\" | \"uniform\" | \"normal\" | \"lognormal\" | \"exponential\" | \"pareto\"`")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dist, E> {
            Ok(Dist::constant(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dist, E> {
            Ok(Dist::constant(v as f64))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dist, E> {
            Ok(Dist::constant(v as f64))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Dist, A::Error> {
            Dist::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(V)
}

/// A distribution ready to draw.
#[derive(Clone, Copy, Debug)]
pub struct Sampler {
    kind: Kind,
    min: f64,
    /// The parameters it was made from: what a saved state keeps.
    from: Dist,
}

/// Saved as the distribution and the minimum it was made from ([`Dist::sampler`] makes it
/// again, the same to the bit).
impl Serialize for Sampler {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.from, self.min).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Sampler {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (from, min): (Dist, f64) = Deserialize::deserialize(d)?;
        Ok(from.sampler(min))
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Constant(f64),
    Uniform { low: f64, width: f64 },
    Normal(Normal<f64>),
    Lognormal(LogNormal<f64>),
    Exponential(Exp<f64>),
    Pareto(Pareto<f64>),
}

impl Sampler {
    /// One draw, at least the sampler's minimum. A constant draws nothing from the stream.
    #[inline(always)]
    pub fn sample(&self, rng: &mut StreamRng) -> f64 {
        let x = match self.kind {
            Kind::Constant(v) => v,
            Kind::Uniform { low, width } => uniform(low, width, rng),
            _ => self.sample_other(rng),
        };
        if x >= self.min { x } else { self.min }
    }

    /// The draw of [`Sampler::sample`] whose one stream word is `x`, for a sampler whose every
    /// draw takes exactly one word (the uniform); none for the others.
    #[inline(always)]
    #[must_use]
    pub fn sample_word(&self, x: u64) -> Option<f64> {
        let Kind::Uniform { low, width } = self.kind else { return None };
        let x = uniform_word(low, width, x);
        Some(if x >= self.min { x } else { self.min })
    }

    /// A draw before the minimum, out of the way of the constant and the uniform (which
    /// [`Sampler::sample`] draws inline).
    #[inline(never)]
    fn sample_other(&self, rng: &mut StreamRng) -> f64 {
        match &self.kind {
            Kind::Constant(v) => *v,
            Kind::Uniform { low, width } => uniform(*low, *width, rng),
            Kind::Normal(d) => d.sample(rng),
            Kind::Lognormal(d) => d.sample(rng),
            Kind::Exponential(d) => d.sample(rng),
            Kind::Pareto(d) => d.sample(rng),
        }
    }
}

/// A uniform draw in `[low, low + width]`: 53 random bits → `[0, 1]`, then scaled.
#[inline(always)]
fn uniform(low: f64, width: f64, rng: &mut StreamRng) -> f64 {
    uniform_word(low, width, rng.next_u64())
}

/// [`uniform`] of the stream word `x`.
#[inline(always)]
fn uniform_word(low: f64, width: f64, x: u64) -> f64 {
    let u = (x >> 11) as f64 / ((1u64 << 53) - 1) as f64;
    low + width * u
}

/// 10^0 … 10^22, each exact in f64 (a table, not `powi`: this is on the path of every request).
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `x` whole units of a token with `decimals` decimals, in base units, rounded down, where `x`
/// is the decimal number its shortest form reads (`100000` is exactly 10^23 wei, `0.1` exactly
/// 10^17): a draw of 12.345678 STOS is 12,345,678,000,000,000,000 wei. Negative and NaN draws
/// give 0; draws beyond u128 saturate.
///
/// Below 2^53 base units the product `x · 10^decimals` in f64 is exact to the unit and is used
/// as is (the hot path: request sizes in noz); above, f64 cannot hold every integer, so the
/// amount is read from `x`'s shortest decimal digits ([`ryu`]) in integers.
#[must_use]
#[inline]
pub fn to_base_units(x: f64, decimals: u8) -> u128 {
    if let Some(&power) = POWERS_OF_TEN.get(usize::from(decimals)) {
        let scaled = x * power;
        // Positive and below 2^53 (NaN fails both tests): truncation is the floor, one
        // instruction where `floor` and a conversion to u128 are library calls.
        if scaled > 0.0 && scaled < 9_007_199_254_740_992.0 {
            return scaled as i64 as u128;
        }
    }
    large_base_units(x, decimals)
}

/// [`to_base_units`] of the rest: zero, negative or NaN `x`, and amounts from 2^53 base units.
#[cold]
fn large_base_units(x: f64, decimals: u8) -> u128 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    if let Some(&power) = POWERS_OF_TEN.get(usize::from(decimals))
        && x * power >= u128::MAX as f64
    {
        return u128::MAX;
    }
    decimal_base_units(ryu::Buffer::new().format_finite(x), decimals).unwrap_or(u128::MAX)
}

/// The base units of a positive decimal `text` (digits, an optional point, an optional
/// exponent `e±n`, as [`ryu`] writes them), rounded down; None when they exceed u128.
fn decimal_base_units(text: &str, decimals: u8) -> Option<u128> {
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: u128 = 0;
    let mut shift = exp + i32::from(decimals) - i32::try_from(frac.len()).ok()?;
    for c in int.bytes().chain(frac.bytes()) {
        let d = u128::from(c.checked_sub(b'0').filter(|&d| d < 10)?);
        if digits == 0 && d == 0 {
            continue;
        }
        digits = digits.checked_mul(10)?.checked_add(d)?;
    }
    while shift < 0 {
        digits /= 10;
        shift += 1;
    }
    digits.checked_mul(10u128.checked_pow(u32::try_from(shift).ok()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Seed;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "deserialize")]
        d: Dist,
    }

    fn parse(text: &str) -> Result<Dist, String> {
        serde_json::from_str::<Holder>(text).map(|h| h.d).map_err(|e| e.to_string())
    }

    /// A uniform sampler's draw of a word is its draw from the stream that gives that word,
    /// the minimum included (a range reaching below it); the other kinds are not one-word.
    #[test]
    fn a_uniform_draw_is_its_word_s_draw() {
        for (low, high, min) in [(1.0, 10.0, 0.0), (-3.0, 2.0, 0.5), (7.0, 7.0, 0.0)] {
            let s = Dist::Uniform { low, high }.sampler(min);
            let mut a = crate::RngStreams::new(Seed::from_u64(9)).stream(&[1]);
            let mut b = a.clone();
            for _ in 0..1_000 {
                let word = s.sample_word(b.next_u64()).map(f64::to_bits);
                assert_eq!(Some(s.sample(&mut a).to_bits()), word);
            }
        }
        for d in [Dist::constant(2.0), Dist::Exponential { mean: 1.0 }] {
            assert!(d.sampler(0.0).sample_word(7).is_none());
        }
    }

    #[test]
    fn base_units_are_the_decimal_the_number_reads() {
        let wei = |x: f64| to_base_units(x, 18);
        assert_eq!(wei(100_000.0), 100_000 * 10u128.pow(18));
        assert_eq!(wei(0.1), 10u128.pow(17));
        assert_eq!(wei(0.0001), 10u128.pow(14));
        assert_eq!(wei(12.345678), 12_345_678 * 10u128.pow(12));
        assert_eq!(wei(1e20), 10u128.pow(38));
        assert_eq!(wei(3.5e20), u128::MAX);
        assert_eq!(wei(2.5e-18), 2);
        assert_eq!(wei(1e-19), 0);
        assert_eq!(wei(1e30), u128::MAX);
        assert_eq!(wei(-1.0), 0);
        assert_eq!(wei(f64::NAN), 0);
        assert_eq!(to_base_units(1.1, 9), 1_100_000_000);
        assert_eq!(to_base_units(9_007_199.254740993, 9), 9_007_199_254_740_993);
        assert_eq!(decimal_base_units("1.5e-3", 6), Some(1_500));
        assert_eq!(decimal_base_units("123", 0), Some(123));
        assert_eq!(to_base_units(1.5, 24), 15 * 10u128.pow(23));
        assert_eq!(to_base_units(1e20, 24), u128::MAX);
    }

    #[test]
    fn numbers_and_tables() {
        assert_eq!(parse(r#"{"d": 5}"#), Ok(Dist::constant(5.0)));
        assert_eq!(parse(r#"{"d": 0.25}"#), Ok(Dist::constant(0.25)));
        assert_eq!(
            parse(r#"{"d": {"dist": "lognormal", "median": 10, "sigma": 0.5}}"#),
            Ok(Dist::Lognormal { median: 10.0, sigma: 0.5 })
        );
        let e = parse(r#"{"d": {"dist": "lognorml", "median": 10}}"#).unwrap_err();
        assert!(e.contains("unknown variant `lognorml`"), "{e}");
        let e = parse(r#"{"d": {"dist": "uniform", "low": 1, "hgh": 2}}"#).unwrap_err();
        assert!(e.contains("unknown field `hgh`"), "{e}");
        let e = parse(r#"{"d": "ten"}"#).unwrap_err();
        assert!(e.contains("a number or a table"), "{e}");
    }

    #[test]
    fn validation_names_the_parameter() {
        assert!(
            Dist::Uniform { low: 2.0, high: 1.0 }.validate(None).unwrap_err().contains("`low`")
        );
        assert!(Dist::Lognormal { median: 0.0, sigma: 1.0 }.validate(None).is_err());
        assert!(Dist::Normal { mean: 1.0, sd: -1.0 }.validate(None).unwrap_err().contains("`sd`"));
        assert!(Dist::constant(f64::NAN).validate(None).is_err());
        assert!(Dist::constant(-1.0).validate(Some(0.0)).is_err());
        assert!(Dist::Exponential { mean: 2.0 }.validate(Some(0.0)).is_ok());
    }

    #[test]
    fn means_and_draws() {
        // Sample means agree with the analytic means within 2% on 20,000 draws.
        let dists = [
            Dist::Uniform { low: 1.0, high: 3.0 },
            Dist::Normal { mean: 5.0, sd: 1.0 },
            Dist::Lognormal { median: 2.0, sigma: 0.5 },
            Dist::Exponential { mean: 4.0 },
            Dist::Pareto { scale: 1.0, shape: 3.0 },
        ];
        for d in dists {
            let s = d.sampler(0.0);
            let mut rng = StreamRng::new(Seed::from_u64(7));
            let n = 20_000;
            let mean = (0..n).map(|_| s.sample(&mut rng)).sum::<f64>() / f64::from(n);
            assert!((mean / d.mean() - 1.0).abs() < 0.02, "{d:?}: {mean} vs {}", d.mean());
        }
        assert!(
            (Dist::Lognormal { median: 2.0, sigma: 0.5 }.mean() - 2.0 * 0.125f64.exp()).abs()
                < 1e-12
        );
    }

    #[test]
    fn minimum_and_determinism() {
        let s = Dist::Normal { mean: 0.0, sd: 1.0 }.sampler(0.0);
        let mut a = StreamRng::new(Seed::from_u64(1));
        let mut b = StreamRng::new(Seed::from_u64(1));
        let xs: Vec<f64> = (0..1000).map(|_| s.sample(&mut a)).collect();
        let ys: Vec<f64> = (0..1000).map(|_| s.sample(&mut b)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| *x >= 0.0));
        assert!(xs.iter().filter(|x| **x == 0.0).count() > 400, "about half are raised to 0");
    }

    #[test]
    fn base_units() {
        assert_eq!(to_base_units(1.5, 18), 1_500_000_000_000_000_000);
        assert_eq!(to_base_units(0.000_000_001, 9), 1);
        assert_eq!(to_base_units(-3.0, 9), 0);
        assert_eq!(to_base_units(f64::NAN, 9), 0);
        assert_eq!(to_base_units(1e40, 18), u128::MAX);
        assert_eq!(to_base_units(2.75, 0), 2);
    }

    #[test]
    fn bounded_ends_are_checked_against_the_range() {
        let ok = |d: Dist| d.check_range(0.0, 1.0).is_ok();
        assert!(ok(Dist::Uniform { low: 0.0, high: 1.0 }));
        assert!(!ok(Dist::Uniform { low: -1.0, high: 0.5 }));
        assert!(!ok(Dist::Uniform { low: 0.02, high: 1.5 }));
        assert!(!ok(Dist::Constant { value: -1.0 }));
        assert!(!ok(Dist::Pareto { scale: 2.0, shape: 1.0 }));
        // A normal's tails are the field's to clamp; one without a spread is its mean.
        assert!(ok(Dist::Normal { mean: -1.0, sd: 1.0 }));
        assert!(!ok(Dist::Normal { mean: -1.0, sd: 0.0 }));
        // An unbounded tail above is the field's to clamp too.
        assert!(ok(Dist::Exponential { mean: 5.0 }));
        let e = Dist::Uniform { low: -1.0, high: 0.5 }.check_range(0.0, 1.0).unwrap_err();
        assert_eq!(e, "its draws reach -1, below the field's least value 0");
    }
}
