//! Where a value sits in a scenario's text: the span of the value at a dotted path (for the
//! problems' `file:line:column` and snippet).

/// The span of the value at dotted `path` in a parsed document. A part may be quoted
/// (`sweep.values."agents.users.count"[1]`: a key holding dots) and may index an array
/// (`key[i]`).
pub(super) fn span_of(table: &toml::de::DeTable<'_>, path: &str) -> Option<std::ops::Range<usize>> {
    let mut parts = split_path(path).into_iter();
    let (first, index) = parts.next()?;
    let mut value = table.iter().find(|(k, _)| k.get_ref().as_ref() == first)?.1;
    value = element(value, index);
    for (key, index) in parts {
        match value.get_ref() {
            toml::de::DeValue::Table(t) => {
                value = t.iter().find(|(k, _)| k.get_ref().as_ref() == key)?.1;
                value = element(value, index);
            }
            _ => break,
        }
    }
    Some(value.span())
}

/// A dotted path's keys, each with its index if it has one (`a."b.c"[1]` → `a`, `b.c` and 1);
/// a quoted key is taken whole.
fn split_path(path: &str) -> Vec<(&str, Option<usize>)> {
    let mut parts = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let quoted =
            rest.strip_prefix('"').and_then(|q| q.find('"').map(|e| (&q[..e], &q[e + 1..])));
        let (key, after) = quoted.unwrap_or_else(|| {
            let cut = rest.find(['.', '[']).unwrap_or(rest.len());
            (&rest[..cut], &rest[cut..])
        });
        let (index, after) = match after.strip_prefix('[').and_then(|a| a.split_once(']')) {
            Some((i, a)) => (i.parse().ok(), a),
            None => (None, after),
        };
        parts.push((key, index));
        rest = after.strip_prefix('.').unwrap_or("");
    }
    parts
}

/// A path part's key and, for `key[i]` (an element of an array, `[[key]]` tables included),
/// its index; `key[]` and other text after the key name no element.
pub(crate) fn key_and_index(part: &str) -> (&str, Option<usize>) {
    match part.split_once('[') {
        Some((key, rest)) => (key, rest.split_once(']').and_then(|(i, _)| i.parse().ok())),
        None => (part, None),
    }
}

/// Element `index` of `value` when it is an array that has one, else `value` itself.
fn element<'a, 'i>(
    value: &'a toml::Spanned<toml::de::DeValue<'i>>,
    index: Option<usize>,
) -> &'a toml::Spanned<toml::de::DeValue<'i>> {
    match (value.get_ref(), index) {
        (toml::de::DeValue::Array(a), Some(i)) => a.get(i).unwrap_or(value),
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::split_path;

    #[test]
    fn paths_split_at_dots_outside_quotes() {
        assert_eq!(
            split_path("agents.users.count"),
            [("agents", None), ("users", None), ("count", None)]
        );
        assert_eq!(
            split_path("sweep.values.\"agents.users.count\"[1]"),
            [("sweep", None), ("values", None), ("agents.users.count", Some(1))]
        );
        assert_eq!(
            split_path("agents.groups[0].workers"),
            [("agents", None), ("groups", Some(0)), ("workers", None)]
        );
        assert_eq!(split_path("a.b[]"), [("a", None), ("b", None)]);
    }
}
