//! Numbers as people read them, shared by the closing table, the report and the memory
//! estimate: thousands separators, M and bn for large values, no exponent form.

/// A number as people read it: thousands separators, M and bn for large values, four
/// significant digits for small ones, "–" for a missing value.
pub(crate) fn number(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "–".to_owned()
    } else if a == 0.0 {
        "0".to_owned()
    } else if a >= 1e9 {
        format!("{:.2} bn", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if a >= 1e4 {
        separated(v.round())
    } else if a >= 1.0 {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if a >= 1000.0 { separated_str(s) } else { s.to_owned() }
    } else {
        let digits = (3 - a.log10().floor() as i32).clamp(0, 12) as usize;
        let s = format!("{v:.digits$}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A number with `decimals` decimals and thousands separators.
pub(crate) fn fixed(v: f64, decimals: usize) -> String {
    separated_str(&format!("{v:.decimals$}"))
}

fn separated(v: f64) -> String {
    separated_str(&format!("{v:.0}"))
}

/// Inserts a comma every three digits of the integer part.
pub(crate) fn separated_str(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// `x` with `decimals` decimals and thousands separators: 1,234,567.89 (a value that rounds to
/// zero has no sign).
pub(crate) fn grouped(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    let zero = !text.chars().any(|c| c.is_ascii_digit() && c != '0');
    separated_str(text.strip_prefix('-').filter(|_| zero).unwrap_or(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_read_them() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::NAN), "–");
        assert_eq!(number(2_770_967.5), "2.77 M");
        assert_eq!(number(9_103_006_013.0), "9.10 bn");
        assert_eq!(number(345_600.0), "345,600");
        assert_eq!(number(-12_345.4), "-12,345");
        assert_eq!(number(1192.25), "1,192.25");
        assert_eq!(number(5.5), "5.5");
        assert_eq!(number(0.000_879_2), "0.0008792");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(1_000.0, 0), "1,000");
        assert_eq!(grouped(-1_234_567.891, 2), "-1,234,567.89");
        assert_eq!(grouped(-0.001, 2), "0.00");
    }
}
