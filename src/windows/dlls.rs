//! The DLL closure of a Windows bundle, from PE import tables: which
//! bundled DLLs each DLL or extension module needs, directly or not, in
//! load order; imports that are neither bundled nor system DLLs are
//! reported.

use super::system_dlls::is_system_dll;
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};

/// One native file: its archive name and contents.
pub struct Native<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

pub struct Closure {
    /// For each archive name, the bundled DLLs it needs, dependencies first.
    pub needs: BTreeMap<String, Vec<String>>,
    /// "`importer` imports `dll`" for imports found nowhere.
    pub unresolved: Vec<String>,
}

/// Reads every native's imports and resolves them by file name (as the
/// Windows loader matches an already loaded module).
pub fn closure(natives: &[Native]) -> Result<Closure> {
    let by_file: BTreeMap<String, &str> = natives.iter().map(|n| (file_name(n.name).to_ascii_lowercase(), n.name)).collect();
    let mut direct: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut unresolved = Vec::new();
    for native in natives {
        let imports = crate::pe::imports(native.data).with_context(|| format!("cannot read the imports of {}", native.name))?;
        let mut deps = Vec::new();
        for (dll, _) in imports {
            match by_file.get(&dll.to_ascii_lowercase()) {
                Some(dep) if *dep != native.name => deps.push(*dep),
                Some(_) => {}
                None if is_system_dll(&dll) => {}
                None => unresolved.push(format!("{} imports {dll}", native.name)),
            }
        }
        direct.insert(native.name, deps);
    }
    let needs = natives
        .iter()
        .map(|n| {
            let mut order = Vec::new();
            visit(n.name, &direct, &mut BTreeSet::new(), &mut order);
            order.retain(|dep| dep != n.name);
            (n.name.to_string(), order)
        })
        .collect();
    Ok(Closure { needs, unresolved })
}

/// Depth-first: a DLL after everything it imports (cycles broken).
fn visit(name: &str, direct: &BTreeMap<&str, Vec<&str>>, seen: &mut BTreeSet<String>, order: &mut Vec<String>) {
    if !seen.insert(name.to_string()) {
        return;
    }
    for dep in direct.get(name).into_iter().flatten() {
        visit(dep, direct, seen, order);
    }
    order.push(name.to_string());
}

fn file_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_dependencies_first() {
        let direct = BTreeMap::from([("a", vec!["b", "c"]), ("b", vec!["c"]), ("c", vec!["a"])]);
        let mut order = Vec::new();
        visit("a", &direct, &mut BTreeSet::new(), &mut order);
        assert_eq!(order, ["c", "b", "a"]);
    }
}
