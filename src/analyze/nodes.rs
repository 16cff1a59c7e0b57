//! The module graph's nodes and edges, and what follows from them once the
//! graph is complete: why each module is in, and which modules are
//! imported whenever the app runs.

use super::{Module, Reason};
use std::collections::{HashMap, HashSet, VecDeque};

/// A module brought in by another.
pub struct Edge {
    pub to: String,
    /// By an [`IMPLICIT`](super::IMPLICIT) need rather than an import.
    pub implied: bool,
    /// Taken whenever the module it starts from is imported.
    pub eager: bool,
}

pub struct Node {
    pub module: Module,
    /// Modules this one brought in.
    pub edges: Vec<Edge>,
    /// Set for the entry, roots and start-up modules.
    pub fixed: Option<Reason>,
    /// The distribution that brought it in whole, if any.
    pub part_of: Option<usize>,
    /// Whether its [`IMPLICIT`](super::IMPLICIT) needs were added.
    pub implied: bool,
    /// Runs as `__main__`.
    pub main: bool,
}

/// The modules imported whenever the app runs: reached from the entry and
/// roots by eager edges only.
pub fn eagerly_imported(nodes: &HashMap<String, Node>) -> HashSet<&str> {
    let mut seen: HashSet<&str> = nodes.iter().filter(|(_, n)| n.fixed.is_some()).map(|(k, _)| k.as_str()).collect();
    let mut stack: Vec<&str> = seen.iter().copied().collect();
    while let Some(name) = stack.pop() {
        let Some(node) = nodes.get(name) else { continue };
        for edge in node.edges.iter().filter(|e| e.eager) {
            if seen.insert(edge.to.as_str()) {
                stack.push(edge.to.as_str());
            }
        }
    }
    seen
}

/// Sets each module's reason from the shortest chain that brings it in:
/// first from the entry and roots, then from whole distributions (named
/// by `dist_name`).
pub fn assign_reasons(nodes: &mut HashMap<String, Node>, dist_name: impl Fn(usize) -> String) {
    let mut done: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut names: Vec<String> = nodes.keys().cloned().collect();
    names.sort();
    for name in &names {
        let Some(node) = nodes.get_mut(name) else { continue };
        if let Some(reason) = node.fixed.clone() {
            node.module.reason = reason;
            done.insert(name.clone());
            queue.push_back(name.clone());
        }
    }
    spread(nodes, &mut queue, &mut done);
    for name in &names {
        let Some(node) = nodes.get_mut(name) else { continue };
        if let (false, Some(id)) = (done.contains(name), node.part_of) {
            node.module.reason = Reason::PartOf(dist_name(id));
            done.insert(name.clone());
            queue.push_back(name.clone());
        }
    }
    spread(nodes, &mut queue, &mut done);
}

/// Breadth-first from `queue`: each module not `done` gets its reason from
/// the module whose edge reached it first.
fn spread(nodes: &mut HashMap<String, Node>, queue: &mut VecDeque<String>, done: &mut HashSet<String>) {
    while let Some(name) = queue.pop_front() {
        let Some(node) = nodes.get(&name) else { continue };
        let edges: Vec<(String, bool)> = node.edges.iter().map(|e| (e.to.clone(), e.implied)).collect();
        for (to, implied) in edges {
            if done.insert(to.clone()) {
                let reason = if implied { Reason::ImpliedBy(name.clone()) } else { Reason::ImportedBy(name.clone()) };
                if let Some(node) = nodes.get_mut(&to) {
                    node.module.reason = reason;
                }
                queue.push_back(to);
            }
        }
    }
}
