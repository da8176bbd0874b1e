//! The CSV text of a cell, a row and a record: the one canonical encoding written by
//! [`PartWriter`](crate::PartWriter) and the strict parser the merge reads parts back with.
//!
//! Encoding, per column kind:
//! - `u64`, `i64`: decimal digits, `-` for negatives;
//! - `f64`: Rust's `Display` (shortest text that reads back to the same value, never an
//!   exponent), `inf` / `-inf` for infinities, an empty field for NaN;
//! - `amount(d)`: the exact decimal value `raw / 10^d`, trailing fraction zeros and a bare `.`
//!   dropped (`1.5`, `0`, `0.000000000000000007`);
//! - `str`: bare, or quoted per RFC 4180 (`"` doubled) when it holds `,`, `"`, CR or LF.
//!
//! Fields are joined by `,` and a row ends in `\n`. A field parses only if encoding the parsed
//! value gives back exactly the same bytes, so every accepted part is in canonical form.

use std::fmt::Write as _;
use std::ops::Range;

use crate::decimal::{parse_amount, push_amount};
use crate::schema::{Cell, ColumnKind};

/// Appends the CSV field of `cell`, formatted for a column of type `kind`.
///
/// The cell's kind must match `kind` (checked by the callers); only an amount's decimals are
/// read from `kind`.
pub(crate) fn push_cell(out: &mut String, cell: &Cell, kind: ColumnKind) {
    match cell {
        Cell::U64(v) => write!(out, "{v}").expect("writing to a String cannot fail"),
        Cell::I64(v) => write!(out, "{v}").expect("writing to a String cannot fail"),
        Cell::F64(v) => push_f64(out, *v),
        Cell::Str(s) => push_str(out, s),
        Cell::Amount(raw) => {
            let decimals = match kind {
                ColumnKind::Amount { decimals } => decimals,
                _ => 0,
            };
            push_amount(out, *raw, decimals);
        }
    }
}

/// Appends the CSV line of `row` (fields joined by `,`, ending in `\n`).
pub(crate) fn push_row(out: &mut String, row: &[Cell], kinds: impl Iterator<Item = ColumnKind>) {
    for (i, (cell, kind)) in row.iter().zip(kinds).enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, cell, kind);
    }
    out.push('\n');
}

fn push_f64(out: &mut String, v: f64) {
    if !v.is_nan() {
        write!(out, "{v}").expect("writing to a String cannot fail");
    }
}

fn push_str(out: &mut String, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        out.push('"');
        for ch in s.chars() {
            if ch == '"' {
                out.push('"');
            }
            out.push(ch);
        }
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Splits a record (without its final `\n`) into the byte ranges of its raw fields, quotes
/// included.
pub(crate) fn split_fields(rec: &[u8], out: &mut Vec<Range<usize>>) -> Result<(), &'static str> {
    out.clear();
    let mut i = 0;
    loop {
        let start = i;
        if rec.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match rec.get(i) {
                    None => return Err("unterminated quoted field"),
                    Some(b'"') if rec.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            if i < rec.len() && rec[i] != b',' {
                return Err("text after a closing quote");
            }
        } else {
            while i < rec.len() && rec[i] != b',' {
                i += 1;
            }
        }
        out.push(start..i);
        if i == rec.len() {
            return Ok(());
        }
        i += 1;
    }
}

/// Parses one raw field of a column of type `kind`. `scratch` is a reusable buffer.
///
/// Fails unless the field is the canonical encoding of the value it holds.
pub(crate) fn parse_field(
    raw: &[u8],
    kind: ColumnKind,
    scratch: &mut String,
) -> Result<Cell, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "invalid UTF-8".to_owned())?;
    let cell = match kind {
        ColumnKind::U64 => text.parse().ok().map(Cell::U64),
        ColumnKind::I64 => text.parse().ok().map(Cell::I64),
        ColumnKind::F64 if text.is_empty() => Some(Cell::F64(f64::NAN)),
        ColumnKind::F64 => text.parse().ok().map(Cell::F64),
        ColumnKind::Str => Some(Cell::Str(unquote(text))),
        ColumnKind::Amount { decimals } => parse_amount(text, decimals).map(Cell::Amount),
    };
    let cell = cell.ok_or_else(|| format!("{text:?} is not a {kind} value"))?;
    scratch.clear();
    push_cell(scratch, &cell, kind);
    if scratch.as_bytes() != raw {
        return Err(format!("{text:?} is not in canonical form (expected {scratch:?})"));
    }
    Ok(cell)
}

fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(cell: Cell, kind: ColumnKind) -> String {
        let mut out = String::new();
        push_cell(&mut out, &cell, kind);
        out
    }

    fn reparse(text: &str, kind: ColumnKind) -> Result<Cell, String> {
        parse_field(text.as_bytes(), kind, &mut String::new())
    }

    #[test]
    fn integers() {
        assert_eq!(field(Cell::U64(0), ColumnKind::U64), "0");
        assert_eq!(field(Cell::U64(u64::MAX), ColumnKind::U64), "18446744073709551615");
        assert_eq!(field(Cell::I64(i64::MIN), ColumnKind::I64), "-9223372036854775808");
        assert_eq!(field(Cell::I64(42), ColumnKind::I64), "42");
    }

    #[test]
    fn floats() {
        let f = |v: f64| field(Cell::F64(v), ColumnKind::F64);
        assert_eq!(f(0.1), "0.1");
        assert_eq!(f(1.0), "1");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(1e21), "1000000000000000000000");
        assert_eq!(f(1.5e-7), "0.00000015");
        assert_eq!(f(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(f(f64::NAN), "");
        assert_eq!(f(f64::INFINITY), "inf");
        assert_eq!(f(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn strings_quote_per_rfc_4180() {
        let s = |v: &str| field(Cell::Str(v.to_owned()), ColumnKind::Str);
        assert_eq!(s("plain text"), "plain text");
        assert_eq!(s(""), "");
        assert_eq!(s("a,b"), "\"a,b\"");
        assert_eq!(s("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(s("two\nlines"), "\"two\nlines\"");
        assert_eq!(s("cr\r"), "\"cr\r\"");
        assert_eq!(s("naïve"), "naïve");
    }

    #[test]
    fn rows_join_with_commas() {
        let mut out = String::new();
        let kinds = [ColumnKind::U64, ColumnKind::Str, ColumnKind::F64];
        let row = [Cell::U64(1), Cell::Str("x,y".into()), Cell::F64(f64::NAN)];
        push_row(&mut out, &row, kinds.into_iter());
        assert_eq!(out, "1,\"x,y\",\n");
    }

    #[test]
    fn split_respects_quotes() {
        let mut f = Vec::new();
        let rec = b"1,\"a,\"\"b\"\"\",,\"\"";
        split_fields(rec, &mut f).expect("well formed");
        let parts: Vec<&[u8]> = f.iter().map(|r| &rec[r.clone()]).collect();
        assert_eq!(parts, [&b"1"[..], b"\"a,\"\"b\"\"\"", b"", b"\"\""]);
        split_fields(b"", &mut f).expect("one empty field");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0], 0..0);
        assert!(split_fields(b"\"abc", &mut f).is_err());
        assert!(split_fields(b"\"a\"b", &mut f).is_err());
    }

    #[test]
    fn parse_round_trips_canonical_fields() {
        let a18 = ColumnKind::Amount { decimals: 18 };
        assert_eq!(reparse("1.5", a18), Ok(Cell::Amount(1_500_000_000_000_000_000)));
        assert_eq!(reparse("0.000000000000000007", a18), Ok(Cell::Amount(7)));
        assert_eq!(reparse("0", a18), Ok(Cell::Amount(0)));
        assert_eq!(reparse("\"a,\"\"b\"", ColumnKind::Str), Ok(Cell::Str("a,\"b".into())));
        assert_eq!(reparse("-inf", ColumnKind::F64), Ok(Cell::F64(f64::NEG_INFINITY)));
        assert!(matches!(reparse("", ColumnKind::F64), Ok(Cell::F64(v)) if v.is_nan()));
        assert_eq!(reparse("-12", ColumnKind::I64), Ok(Cell::I64(-12)));
    }

    #[test]
    fn parse_rejects_non_canonical_fields() {
        let a18 = ColumnKind::Amount { decimals: 18 };
        for (text, kind) in [
            ("1.50", a18),
            ("01.5", a18),
            ("1.", a18),
            (".5", a18),
            ("0.0000000000000000001", a18),
            ("100000000000000000000", a18),
            ("+1", ColumnKind::U64),
            ("007", ColumnKind::U64),
            ("-0", ColumnKind::I64),
            ("1e3", ColumnKind::F64),
            ("NaN", ColumnKind::F64),
            ("0.10", ColumnKind::F64),
            ("\"abc\"", ColumnKind::Str),
            ("-1", ColumnKind::U64),
            ("", ColumnKind::U64),
        ] {
            assert!(reparse(text, kind).is_err(), "{text:?} accepted as {kind}");
        }
    }
}
