//! One sweep point's economy and agents sections: the file's table with the point's values
//! set, read back and checked for a list where the scenario has a table.

use ergon_core::Model;
use toml::Table;

use super::shape::{list_for_table, lists_for_tables, within};
use super::{File, set_path};
use crate::diag::with_suggestion;
use crate::sweep::Combo;

/// The economy and agents sections at sweep point `combo` (the file's own without a sweep); an
/// error names the path at fault.
pub(super) fn point_sections<M: Model>(
    file: &File<M>,
    table: &Table,
    combo: &Combo,
) -> Result<(M::Config, M::Agents), (String, String)> {
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
    if let Some(b) = bad {
        return Err(b);
    }
    let f = Table::try_into::<File<M>>(t.clone())
        .map_err(|e| ("sweep.values".to_owned(), with_suggestion(e.message())))?;
    // A swept list where the scenario has a table, as for the file and the `--set`s.
    let mut lists = Vec::new();
    if let Ok(resolved) = Table::try_from(&f) {
        lists_for_tables(&t, &resolved, "", &mut lists);
    }
    // The file's and the `--set`s' own lists were reported already: only those the sweep set.
    let swept = |l: &String| combo.iter().any(|(p, _)| within(p, l) || within(l, p));
    match lists.into_iter().find(swept) {
        Some(path) => Err((format!("sweep.values.{path}"), list_for_table(&path))),
        None => Ok((f.economy, f.agents)),
    }
}
