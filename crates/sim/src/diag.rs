//! Scenario diagnostics: every problem of a scenario, located (file, line, column, field) and
//! explained, with the nearest valid name when a name is misspelt.

use std::fmt;
use std::ops::Range;

/// One problem in a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where: `file:line:column`, or the origin of a value that is not in the file
    /// (`--set agents.users.count=5`, `sweep point 3`).
    pub location: String,
    /// The field's dotted path, when known.
    pub field: Option<String>,
    /// What is wrong, with the bad value.
    pub message: String,
    /// The line of the file, for display.
    pub snippet: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A file's place (`file:line:column`) is shown whole; a value's origin (`--set p=v`,
        // Python's `set["p"]=v`, a sweep point) is cut as the message is.
        let origin = ["--set ", "set[", "sweep"].iter().any(|p| self.location.starts_with(p))
            || self.location.contains('=');
        if origin {
            write!(f, "{}: ", shortened(&self.location))?;
        } else {
            write!(f, "{}: ", self.location)?;
        }
        if let Some(field) = &self.field {
            write!(f, "{}: ", shortened(field))?;
        }
        write!(f, "{}", shortened(&self.message))?;
        if let Some(s) = &self.snippet {
            write!(f, "\n    | {s}")?;
        }
        Ok(())
    }
}

/// Every problem found; displayed one per line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl Diagnostics {
    /// The first problems found, `errs`, of `found` in all: when some were left out, a last
    /// line at `name` says how many.
    pub(crate) fn listed(mut errs: Vec<Diagnostic>, found: usize, name: &str) -> Diagnostics {
        if found > errs.len() {
            let (more, shown) = (found - errs.len(), errs.len());
            errs.push(Diagnostic {
                location: name.to_owned(),
                field: None,
                message: format!(
                    "… and {more} more problem(s) not shown ({found} in all; the first {shown} above)"
                ),
                snippet: None,
            });
        }
        Diagnostics(errs)
    }
}

/// A source text with its name, to turn byte offsets into lines and columns.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// File name as the user gave it.
    pub name: &'a str,
    /// The text.
    pub text: &'a str,
}

impl Source<'_> {
    /// `name:line:column` of byte `offset` (1-based), and the line's text: at most
    /// [`SNIPPET_CHARS`] characters of it around the column, the cut ends marked `…`.
    #[must_use]
    pub fn locate(&self, offset: usize) -> (String, String) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[start..offset].chars().count() + 1;
        let end = self.text[start..].find('\n').map_or(self.text.len(), |i| start + i);
        let text = self.text[start..end].trim_end();
        (format!("{}:{line}:{column}", self.name), window(text, column - 1))
    }

    /// A diagnostic at `span` (or at the file when unknown).
    #[must_use]
    pub fn diagnostic(
        &self,
        span: Option<Range<usize>>,
        field: Option<String>,
        message: String,
    ) -> Diagnostic {
        match span {
            Some(s) => {
                let (location, snippet) = self.locate(s.start);
                Diagnostic { location, field, message, snippet: Some(snippet) }
            }
            None => Diagnostic { location: self.name.to_owned(), field, message, snippet: None },
        }
    }
}

/// The most characters of a quoted value (`"…"` or `` `…` ``) a message shows whole.
pub const QUOTED_CHARS: usize = 120;

/// `text` with each quoted value (and each word outside quotes) longer than [`QUOTED_CHARS`]
/// characters cut to its first ones, the cut marked with its length: a value of 100,000
/// characters would make a message of that size. Prose is left whole. The one cut of every
/// message that shows a value given to Ergon (a scenario's, a replay line's, an option's).
#[must_use]
pub fn shortened(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= QUOTED_CHARS {
        return text.into();
    }
    let mut out = String::new();
    let mut chars = text.chars();
    let mut run = String::new();
    while let Some(c) = chars.next() {
        if c != '"' && c != '`' {
            // Outside quotes: words are cut one by one.
            if c.is_whitespace() {
                cut(&mut run, &mut out);
                out.push(c);
            } else {
                run.push(c);
            }
            continue;
        }
        cut(&mut run, &mut out);
        out.push(c);
        // The quoted value, to its closing quote (an escaped quote `\"` is part of it).
        let mut closed = false;
        while let Some(q) = chars.next() {
            if q == c {
                closed = true;
                break;
            }
            run.push(q);
            if q == '\\' {
                run.extend(chars.next());
            }
        }
        cut(&mut run, &mut out);
        if closed {
            out.push(c);
        }
    }
    cut(&mut run, &mut out);
    out.into()
}

/// One value, shown as [`shortened`] shows a quoted one: whole up to [`QUOTED_CHARS`]
/// characters, else its first ones and its length (spaces and quotes in it cut with the rest).
#[must_use]
pub fn shortened_value(value: &str) -> String {
    let (mut run, mut out) = (value.to_owned(), String::new());
    cut(&mut run, &mut out);
    out
}

/// Moves `run` to `out`, cut to [`QUOTED_CHARS`]` / 2` characters and its length when longer
/// than [`QUOTED_CHARS`].
fn cut(run: &mut String, out: &mut String) {
    let n = run.chars().count();
    if n > QUOTED_CHARS {
        out.extend(run.chars().take(QUOTED_CHARS / 2));
        out.push_str(&format!("…({n} characters)"));
    } else {
        out.push_str(run);
    }
    run.clear();
}

/// The most problems a scenario's check lists (it says how many more it found).
pub const PROBLEMS_SHOWN: usize = 50;

/// The most characters of a line a diagnostic quotes.
pub const SNIPPET_CHARS: usize = 160;

/// `line`, or at most [`SNIPPET_CHARS`] characters of it around character `at`, each cut end
/// marked `…`.
fn window(line: &str, at: usize) -> String {
    let n = line.chars().count();
    if n <= SNIPPET_CHARS {
        return line.to_owned();
    }
    let from = at.saturating_sub(SNIPPET_CHARS / 2).min(n - SNIPPET_CHARS);
    let mut out = String::with_capacity(SNIPPET_CHARS * 4 + 6);
    if from > 0 {
        out.push('…');
    }
    out.extend(line.chars().skip(from).take(SNIPPET_CHARS));
    if from + SNIPPET_CHARS < n {
        out.push('…');
    }
    out
}

pub use ergon_core::names::nearest;

/// Adds "did you mean `x`?" to a serde message about an unknown field or variant, whose
/// expected names it lists (`unknown field `nodse`, expected one of `count`, `deposit``).
#[must_use]
pub fn with_suggestion(message: &str) -> String {
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let unknown = message.starts_with("unknown field") || message.starts_with("unknown variant");
    if unknown
        && let Some((word, expected)) = quoted.split_first()
        && let Some(best) = nearest(word, expected.iter().copied())
    {
        return format!("{message}; did you mean `{best}`?");
    }
    // TOML holds 64-bit signed integers: a larger one fails as "too large" for whatever type
    // the field has, though a u64 field could hold it.
    // One past 64 bits reads as a 128-bit integer of the wrong type ("integer `…` as i128").
    if message.ends_with("value was too large") || message.contains("` as i128") {
        return format!("an integer beyond a scenario's integers (at most {})", i64::MAX);
    }
    plain_types(message)
}

/// serde's Rust type names at the end of a message ("expected u64") in words a scenario's
/// writer reads: what the field takes.
fn plain_types(message: &str) -> String {
    const TYPES: [(&str, &str); 8] = [
        // A scenario's integers (TOML's) stop at 2^63 − 1, below u64's own bound.
        ("expected u64", "expected a whole number from 0 to 9223372036854775807"),
        ("expected u32", "expected a whole number from 0 to 4294967295"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected usize", "expected a whole number from 0"),
    ];
    for (rust, words) in TYPES {
        if let Some(head) = message.strip_suffix(rust) {
            return format!("{head}{words}");
        }
    }
    // A table's Rust name ("expected struct Agents"): what it takes is a table of keys.
    if let Some((head, name)) = message.rsplit_once("expected struct ")
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return format!("{head}expected a table of keys ({{ key = value, … }})");
    }
    // A name of a fixed list (a profile) given as something else.
    if message == "invalid type: unit variant, expected string only" {
        return "expected one of the field's names, in quotes".to_owned();
    }
    message.to_owned()
}

/// The dotted path of the value a TOML error is about, when the reader knows it (`toml`
/// prints it, as "in `a.b`", only for an error without its input).
pub(crate) fn toml_keys(e: &toml::de::Error) -> Option<String> {
    let mut bare = e.clone();
    bare.set_input(None);
    let text = bare.to_string();
    text.lines().find_map(|l| Some(l.strip_prefix("in `")?.strip_suffix('`')?.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_types_read_as_what_a_field_takes() {
        let m = "invalid value: integer `-5`, expected u64";
        assert_eq!(
            with_suggestion(m),
            "invalid value: integer `-5`, expected a whole number from 0 to 9223372036854775807"
        );
        let big = "invalid type: integer `18446744073709551616` as i128, expected u64";
        assert_eq!(
            with_suggestion(big),
            "an integer beyond a scenario's integers (at most 9223372036854775807)"
        );
        assert_eq!(
            with_suggestion("invalid type: string \"x\", expected f64"),
            "invalid type: string \"x\", expected a number"
        );
        assert_eq!(
            with_suggestion("invalid type: integer `1`, expected struct Agents"),
            "invalid type: integer `1`, expected a table of keys ({ key = value, … })"
        );
        assert_eq!(
            with_suggestion("invalid type: unit variant, expected string only"),
            "expected one of the field's names, in quotes"
        );
        // Not at the end: left as it is.
        assert_eq!(with_suggestion("expected u64 here"), "expected u64 here");
    }

    /// A long value is cut in what is shown, marked with its length; short ones are whole.
    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(100_000);
        let d = Diagnostic {
            location: format!("--set agents.users.{long}=1"),
            field: None,
            message: format!("unknown field `{long}`, expected `count`; value \"{long}\" here"),
            snippet: None,
        };
        let shown = d.to_string();
        assert!(shown.len() < 1_000, "{} bytes", shown.len());
        assert!(shown.contains("…(100000 characters)`, expected `count`"), "{shown}");
        assert!(shown.contains("\"xxx") && shown.contains("characters)\" here"), "{shown}");
        let short = Diagnostic {
            location: "a.toml:1:1".into(),
            field: None,
            message: "m `v`".into(),
            snippet: None,
        };
        assert_eq!(short.to_string(), "a.toml:1:1: m `v`");
        // A file's place stays whole, however long its path.
        let path = format!("/{}/s.toml:3:1", "d".repeat(200));
        let d =
            Diagnostic { location: path.clone(), field: None, message: "m".into(), snippet: None };
        assert_eq!(d.to_string(), format!("{path}: m"));
        // Prose longer than the limit stays whole: only long words and values are cut.
        let prose = "a long explanation ".repeat(20);
        let d =
            Diagnostic { location: "f".into(), field: None, message: prose.clone(), snippet: None };
        assert_eq!(d.to_string(), format!("f: {prose}"));
    }

    #[test]
    fn lines_and_columns() {
        let s = Source { name: "a.toml", text: "x = 1\n[agents]\n  count = 5\n" };
        assert_eq!(s.locate(0), ("a.toml:1:1".into(), "x = 1".into()));
        assert_eq!(s.locate(17), ("a.toml:3:3".into(), "  count = 5".into()));
    }

    /// A long line is quoted around the column, at most `SNIPPET_CHARS` characters and the
    /// cut ends marked (a 3.8 MB one-line sweep quoted whole for each of its bad points took
    /// every byte of memory).
    #[test]
    fn long_lines_are_quoted_around_the_column() {
        let line: String = (0..1000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        let text = format!("x = 1\n{line}\n");
        let s = Source { name: "a.toml", text: &text };
        let (at, quoted) = s.locate(6 + 500);
        assert_eq!(at, "a.toml:2:501");
        assert_eq!(quoted.chars().count(), SNIPPET_CHARS + 2);
        let inner: String = quoted.chars().skip(1).take(SNIPPET_CHARS).collect();
        assert_eq!(inner, line[420..580]);
        assert!(quoted.starts_with('…') && quoted.ends_with('…'), "{quoted}");
        // At the line's start: no mark before; at its end: none after.
        let (_, head) = s.locate(6);
        assert_eq!(head, format!("{}…", &line[..SNIPPET_CHARS]));
        let (_, tail) = s.locate(6 + 999);
        assert_eq!(tail, format!("…{}", &line[1000 - SNIPPET_CHARS..]));
    }

    /// Problems past the first shown are counted on a last line.
    #[test]
    fn a_cut_list_says_how_many_it_left_out() {
        let d = |k: usize| Diagnostic {
            location: format!("a.toml:{k}:1"),
            field: None,
            message: "bad".into(),
            snippet: None,
        };
        let all = Diagnostics::listed((0..3).map(d).collect(), 3, "a.toml");
        assert_eq!(all.0.len(), 3);
        let cut = Diagnostics::listed((0..3).map(d).collect(), 10_000, "a.toml");
        assert_eq!(cut.0.len(), 4);
        let last = cut.0.last().unwrap().to_string();
        assert!(last.contains("9997 more problem(s) not shown (10000 in all"), "{last}");
    }

    #[test]
    fn integers_beyond_toml_s_are_named_so() {
        let m = with_suggestion("u64 value was too large");
        assert_eq!(m, "an integer beyond a scenario's integers (at most 9223372036854775807)");
    }

    #[test]
    fn suggestions() {
        assert_eq!(nearest("nodse", ["nodes", "count"]), Some("nodes"));
        assert_eq!(nearest("zzzzzz", ["nodes", "count"]), None);
        let m = "unknown field `cout`, expected one of `count`, `deposit`";
        assert_eq!(with_suggestion(m), format!("{m}; did you mean `count`?"));
        let m = "unknown variant `lognorml`, expected one of `uniform`, `lognormal`";
        assert!(with_suggestion(m).ends_with("did you mean `lognormal`?"));
        assert_eq!(with_suggestion("invalid type: string"), "invalid type: string");
    }
}
