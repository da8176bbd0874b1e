//! One sweep point's economy and agents sections: the file's table with the point's values
//! set, read back and checked for a list where the scenario has a table.

use ergon_core::Model;
use toml::Table;

use super::shape::{list_for_table, listed_tables, within};
use super::{File, set_path};
use crate::diag::toml_keys;
use crate::sweep::{Combo, Sweep};

/// A sweep point's problem: where it is (a value in the sweep's list, or the path itself), the
/// path at fault, and why.
pub(super) type PointError = (String, String, String);

/// The economy and agents sections at sweep point `combo` (the file's own without a sweep); an
/// error names the path at fault, located at the swept value when one is.
pub(super) fn point_sections<M: Model>(
    file: &File<M>,
    table: &Table,
    combo: &Combo,
) -> Result<(M::Config, M::Agents), PointError> {
    if combo.is_empty() {
        return Ok((file.economy.clone(), file.agents.clone()));
    }
    // `table` is the file's without its sweep: with it, each point copied a swept key's whole
    // list, quadratic in its length (10^4 values took 49 s to check).
    let mut t = table.clone();
    let mut bad = None;
    for (path, v) in combo {
        if let Err(m) = set_path(&mut t, path, v.clone()) {
            bad = Some((path.clone(), m));
        }
    }
    // A key that names no place (an entry past a list's end): the sweep's key is at fault.
    if let Some((path, m)) = bad {
        return Err((format!("sweep.values.\"{path}\""), path, m));
    }
    // A swept list where a table belongs, before the reading takes it field by field.
    let swept = |l: &str| combo.iter().any(|(p, _)| within(p, l) || within(l, p));
    let list = |path: String| {
        let at = swept_item(file.sweep.as_ref(), combo, &path);
        (at.unwrap_or_else(|| path.clone()), path.clone(), list_for_table(&path))
    };
    if let Some(path) = listed_tables::<M>(&t, &swept).into_iter().next() {
        return Err(list(path));
    }
    let f = Table::try_into::<File<M>>(t.clone())
        .map_err(|e| unreadable::<M>(file, table, combo, (&t, &e)))?;
    Ok((f.economy, f.agents))
}

/// The problem of a point the reader refuses (`e`, reading `t`), located at the swept value at
/// fault, as a point's check locates its problems: the swept key the reader names or holds the
/// key it names; else the first swept value that alone, set on the file's `table`, makes it
/// unreadable (the reader names no key inside a list of tables), with that reading's message.
fn unreadable<M: Model>(
    file: &File<M>,
    table: &Table,
    combo: &Combo,
    (t, e): (&Table, &toml::de::Error),
) -> PointError {
    let named = |e: &toml::de::Error| {
        let keys = toml_keys(e);
        let key = combo.iter().find(|(p, _)| keys.as_deref().is_some_and(|k| within(p, k)));
        key.map(|(p, _)| (p.clone(), keys.filter(|k| within(p, k)).unwrap_or_else(|| p.clone())))
    };
    let alone = || {
        combo.iter().find_map(|(p, v)| {
            let mut one = table.clone();
            set_path(&mut one, p, v.clone()).ok()?;
            let e = Table::try_into::<File<M>>(one.clone()).err()?;
            let field = named(&e).map_or_else(|| p.clone(), |(_, field)| field);
            Some((p.clone(), field, super::kinds::read_message::<M>(&one, &e)))
        })
    };
    let found = match named(e) {
        Some((key, field)) => Some((key, field, super::kinds::read_message::<M>(t, e))),
        None => alone(),
    };
    match found {
        Some((key, field, m)) => {
            (swept_item(file.sweep.as_ref(), combo, &key).unwrap_or(key), field, m)
        }
        None => {
            let m = super::kinds::read_message::<M>(t, e);
            ("sweep.values".to_owned(), "sweep.values".to_owned(), m)
        }
    }
}

/// When a sweep's points write other columns than its first (a Phala point with vaults and one
/// without, another profile): the path to blame and why. The outputs hold one table of one
/// set of columns, which the first point's decide.
pub(super) fn mixed_columns<M: Model>(points: &[super::Point<M>]) -> Option<(String, String)> {
    let first = points.first()?;
    let columns = M::columns(&first.config, &first.agents);
    let (k, p) = points
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, p)| M::columns(&p.config, &p.agents) != columns)?;
    let other = M::columns(&p.config, &p.agents);
    // The columns of `a` that `b` has not (by name and kind): the first five, and a count.
    let only = |a: &[ergon_core::ColumnSpec], b: &[ergon_core::ColumnSpec]| {
        let names: Vec<&str> = a.iter().filter(|c| !b.contains(c)).map(|c| c.name).collect();
        match names.len() {
            0 => "none".to_owned(),
            n @ 1..=5 => format!("{} ({n})", names.join(", ")),
            n => format!("{}, … ({n})", names[..5].join(", ")),
        }
    };
    let show = |v: &crate::sweep::Combo| {
        v.iter().map(|(path, x)| format!("{path} = {x}")).collect::<Vec<_>>().join(", ")
    };
    let message = format!(
        "sweep point {k} ({}) writes other columns than point 0 ({}): only at point {k}: {}; \
         only at point 0: {}. A sweep's points share one table: sweep each shape on its own",
        show(&p.values),
        show(&first.values),
        only(&other, &columns),
        only(&columns, &other),
    );
    Some(("sweep.values".to_owned(), message))
}

/// Where a problem at `path` of sweep point `combo` comes from, when a swept key holds or lies
/// within `path`: that key's value in the sweep's list (`sweep.values."agents.users.count"[1]`),
/// not the file's base value, which the point replaced.
pub(super) fn swept_item(sweep: Option<&Sweep>, combo: &Combo, path: &str) -> Option<String> {
    let (key, value) = combo.iter().find(|(k, _)| within(k, path) || within(path, k))?;
    let i = sweep?.values.get(key)?.iter().position(|v| v == value)?;
    Some(format!("sweep.values.\"{key}\"[{i}]"))
}
