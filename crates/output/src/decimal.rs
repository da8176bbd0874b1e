//! The exact decimal text of a token amount: raw base units shown as `raw / 10^decimals`, the
//! form an `amount(d)` column takes in CSV and the value it stands for in statistics.
//!
//! Every digit is kept; trailing fraction zeros and a bare `.` are dropped (`1.5`, `0`,
//! `0.000000000000000007`). Amounts are at most [`MAX_AMOUNT_RAW`] raw units with at most
//! [`MAX_DECIMALS`] fraction digits, the range of `Decimal128(38, d)`.

use std::fmt::Write as _;

/// The largest number of fraction digits of an amount column (the scale limit of `Decimal128`).
pub const MAX_DECIMALS: u8 = 38;

/// The largest raw amount that fits a 38-digit decimal: `10^38 - 1`.
pub const MAX_AMOUNT_RAW: u128 = 99_999_999_999_999_999_999_999_999_999_999_999_999;

/// Appends the exact decimal text of `raw / 10^decimals` (`decimals` at most 38).
pub(crate) fn push_amount(out: &mut String, raw: u128, decimals: u8) {
    let scale = 10u128.pow(u32::from(decimals));
    let (int, frac) = (raw / scale, raw % scale);
    write!(out, "{int}").expect("writing to a String cannot fail");
    if frac != 0 {
        let width = usize::from(decimals);
        let digits = format!("{frac:0width$}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// The raw units of the canonical decimal text `text` of an amount with `decimals` fraction
/// digits, or `None` if it is not decimal text in range.
pub(crate) fn parse_amount(text: &str, decimals: u8) -> Option<u128> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (text.contains('.') && !digits(frac)) || frac.len() > usize::from(decimals) {
        return None;
    }
    let scale = 10u128.pow(u32::from(decimals));
    let frac_scale = 10u128.pow(u32::from(decimals) - frac.len() as u32);
    let frac_units = if frac.is_empty() { 0 } else { frac.parse::<u128>().ok()? * frac_scale };
    let raw = int.parse::<u128>().ok()?.checked_mul(scale)?.checked_add(frac_units)?;
    (raw <= MAX_AMOUNT_RAW).then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: u128, decimals: u8) -> String {
        let mut out = String::new();
        push_amount(&mut out, raw, decimals);
        out
    }

    #[test]
    fn amounts() {
        assert_eq!(text(1_500_000_000_000_000_000, 18), "1.5");
        assert_eq!(text(0, 18), "0");
        assert_eq!(text(7, 18), "0.000000000000000007");
        assert_eq!(text(1_000_000_000_000_000_000, 18), "1");
        assert_eq!(text(123_456_000, 6), "123.456");
        assert_eq!(text(42, 0), "42");
        assert_eq!(text(MAX_AMOUNT_RAW, 0), "99999999999999999999999999999999999999");
        assert_eq!(text(MAX_AMOUNT_RAW, 38), "0.99999999999999999999999999999999999999");
        assert_eq!(text(10u128.pow(37), 38), "0.1");
    }

    #[test]
    fn parse_reads_back_what_push_writes() {
        for (raw, decimals) in
            [(0, 18), (7, 18), (1_500_000_000_000_000_000, 18), (MAX_AMOUNT_RAW, 38)]
        {
            assert_eq!(parse_amount(&text(raw, decimals), decimals), Some(raw));
        }
        assert_eq!(parse_amount("100000000000000000000", 18), None);
    }
}
