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
        write!(f, "{}: ", self.location)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)?;
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

/// A source text with its name, to turn byte offsets into lines and columns.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// File name as the user gave it.
    pub name: &'a str,
    /// The text.
    pub text: &'a str,
}

impl Source<'_> {
    /// `name:line:column` of byte `offset` (1-based), and the line's text.
    #[must_use]
    pub fn locate(&self, offset: usize) -> (String, String) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[start..offset].chars().count() + 1;
        let end = self.text[start..].find('\n').map_or(self.text.len(), |i| start + i);
        (format!("{}:{line}:{column}", self.name), self.text[start..end].trim_end().to_owned())
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

/// The candidate nearest to `word` by edit distance, if near enough to be a typo (at most a
/// third of the word's length, at least 1, edits away).
#[must_use]
pub fn nearest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

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
    if message.ends_with("value was too large") {
        return format!("an integer beyond a scenario's integers (at most {})", i64::MAX);
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
    fn lines_and_columns() {
        let s = Source { name: "a.toml", text: "x = 1\n[agents]\n  count = 5\n" };
        assert_eq!(s.locate(0), ("a.toml:1:1".into(), "x = 1".into()));
        assert_eq!(s.locate(17), ("a.toml:3:3".into(), "  count = 5".into()));
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
