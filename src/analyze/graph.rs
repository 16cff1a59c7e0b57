//! The module graph, grown breadth-first from the entry and the roots: each
//! round scans the new sources in parallel, then resolves their imports and
//! adds what they reach (parent packages, submodules named by `from`
//! imports, implicit needs, whole distributions) for the next round.
//!
//! A distribution is bundled whole, but only code that runs pulls in more:
//! an import of another distribution that the importer's does not require
//! waits until the graph is complete, and is followed only if the importer
//! is imported whenever the app runs (so a benchmark or test module that
//! imports numpy does not bring numpy). What a rule leaves out is listed
//! with the rule.

use super::condition::Target;
use super::dists::Sites;
use super::imports::{is_dotted_name, scan, Scan};
use super::nodes::{assign_reasons, eagerly_imported, Edge, Node};
use super::resolve::{package_dirs, Resolver};
use super::codecs::Codecs;
use super::rules::{implicit, is_never, is_test_dir, lazy_only, ALWAYS, FROZEN};
use super::{Analysis, Entry, Inputs, LeftOut, Missing, Module, ModuleKind, Origin, Reason, Seen};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Analyses the app that `inputs` describes.
pub fn analyze(inputs: &Inputs) -> Result<Analysis> {
    let mut graph = Graph::new(inputs);
    graph.seed()?;
    graph.grow();
    for (index, seen) in inputs.seen.iter().enumerate() {
        graph.add_seen(index, seen);
    }
    graph.grow();
    Ok(graph.finish())
}

/// How a module came to be asked for.
#[derive(Clone, Copy)]
enum Via<'a> {
    Entry,
    Root,
    Startup,
    Import(&'a ImportSite<'a>),
    Implied(&'a str),
    PartOf(usize),
    /// [`Inputs::seen`], by index.
    Seen(usize),
}

/// Where an import statement is, and how it is guarded.
struct ImportSite<'a> {
    importer: &'a str,
    line: u32,
    optional: bool,
    conditional: bool,
    deferred: bool,
}

impl ImportSite<'_> {
    /// Runs whenever the importer is imported.
    fn eager(&self) -> bool {
        !(self.optional || self.conditional || self.deferred)
    }
}

/// An import of a distribution that the importer's distribution does not
/// require, waiting to learn whether the importer runs.
struct Waiting {
    importer: String,
    line: u32,
    module: String,
    names: Vec<String>,
}

struct Graph<'i> {
    inputs: &'i Inputs,
    resolver: Resolver,
    sites: Sites,
    stdlib_dirs: Vec<PathBuf>,
    nodes: HashMap<String, Node>,
    /// Names looked up and not found, or not to be followed.
    absent: HashSet<String>,
    /// Names found but not followed on purpose, with the rule.
    left_out: BTreeMap<String, String>,
    waiting: Vec<Waiting>,
    /// Sources to scan in the next round.
    frontier: Vec<String>,
    /// `__all__` of each scanned package.
    alls: HashMap<String, Vec<String>>,
    /// Star imports from packages not scanned yet: (package, importer).
    stars: Vec<(String, String)>,
    reached: BTreeSet<usize>,
    missing: BTreeMap<(String, Option<String>), Missing>,
    warnings: Vec<String>,
    /// Top-level packages whose files code reads by path.
    read_by_path: BTreeSet<String>,
    /// The target's codec aliases, read when a codec name is first seen.
    codecs: Option<Codecs>,
}

impl<'i> Graph<'i> {
    fn new(inputs: &'i Inputs) -> Self {
        let mut entries: Vec<PathBuf> = Vec::new();
        for entry in &inputs.search_path {
            match std::fs::canonicalize(entry) {
                Ok(dir) if dir.is_dir() && !entries.contains(&dir) => entries.push(dir),
                _ => {}
            }
        }
        let stdlib_dirs = inputs.stdlib_dirs.iter().filter_map(|d| std::fs::canonicalize(d).ok()).collect();
        let builtins: Vec<String> = inputs.builtin_modules.iter().cloned().chain(FROZEN.iter().map(|f| f.to_string())).collect();
        Graph {
            inputs,
            resolver: Resolver::new(entries, inputs.ext_suffixes.clone(), &builtins),
            sites: Sites::default(),
            stdlib_dirs,
            nodes: HashMap::new(),
            absent: HashSet::new(),
            left_out: BTreeMap::new(),
            waiting: Vec::new(),
            frontier: Vec::new(),
            alls: HashMap::new(),
            stars: Vec::new(),
            reached: BTreeSet::new(),
            missing: BTreeMap::new(),
            warnings: Vec::new(),
            read_by_path: BTreeSet::new(),
            codecs: None,
        }
    }

    fn seed(&mut self) -> Result<()> {
        match &self.inputs.entry {
            Entry::Script(script) => {
                let path = std::fs::canonicalize(script)
                    .ok()
                    .filter(|p| p.is_file())
                    .with_context(|| format!("script {} not found; pass the path of the app's .py file", script.display()))?;
                let module = Module { name: "__main__".into(), kind: ModuleKind::Source(path), origin: Origin::App, reason: Reason::Entry };
                self.insert(module, Via::Entry, None);
            }
            Entry::Module(name) => {
                if !is_dotted_name(name) || !self.include(name, Via::Entry) {
                    bail!("module {name} not found on the search path; pass -m with an importable module name, or add its directory with --paths");
                }
                let kind = &self.nodes[name.as_str()].module.kind;
                if package_dirs(kind).is_some() {
                    let main = format!("{name}.__main__");
                    if !self.include(&main, Via::Entry) {
                        bail!("package {name} has no __main__ module, so it cannot be run with -m; pass -m {name}.MODULE or add {name}/__main__.py");
                    }
                    self.mark_main(&main);
                } else {
                    self.mark_main(name);
                }
                self.include("runpy", Via::Implied(name));
            }
        }
        for root in ALWAYS {
            self.include_pattern(root, Via::Root);
        }
        for root in &self.inputs.roots {
            self.include_pattern(root, Via::Root);
        }
        for name in &self.inputs.startup {
            self.include_pattern(name, Via::Startup);
        }
        Ok(())
    }

    fn mark_main(&mut self, name: &str) {
        if let Some(node) = self.nodes.get_mut(name) {
            node.main = true;
        }
    }

    /// Rounds until nothing new is found, then the waiting imports that
    /// turned out to run, and again.
    fn grow(&mut self) {
        loop {
            while !self.frontier.is_empty() {
                self.round();
            }
            if !self.resume_waiting() {
                break;
            }
        }
    }

    /// One round: scan the frontier in parallel, then follow its imports.
    fn round(&mut self) {
        let batch = std::mem::take(&mut self.frontier);
        let target = &self.inputs.target;
        let jobs: Vec<(&str, PathBuf, bool, bool)> = batch
            .iter()
            .filter_map(|name| {
                let node = &self.nodes[name.as_str()];
                let path = match &node.module.kind {
                    ModuleKind::Source(p) | ModuleKind::Package(p) if p.extension().is_some_and(|e| e == "py") => p.clone(),
                    _ => return None,
                };
                Some((name.as_str(), path, node.main, node.module.origin == Origin::Stdlib))
            })
            .collect();
        let scans: Vec<(String, Result<Scan, String>)> = jobs
            .par_iter()
            .map(|(name, path, main, stdlib)| (name.to_string(), scan_file(path, target, name, *main, *stdlib)))
            .collect();
        for (name, scanned) in scans {
            match scanned {
                Ok(found) => self.follow(&name, found),
                Err(warning) => self.warnings.push(warning),
            }
        }
        let stars = std::mem::take(&mut self.stars);
        for (package, importer) in stars {
            self.star(&package, &importer);
        }
    }

    /// Adds what one scanned module imports.
    fn follow(&mut self, name: &str, found: Scan) {
        let node = &self.nodes[name];
        let is_package = matches!(node.module.kind, ModuleKind::Package(_));
        let stdlib = node.module.origin == Origin::Stdlib;
        if is_package {
            self.alls.insert(name.to_string(), found.all);
        }
        // Whether each import was found: a fallback in an `except
        // ImportError:` handler is followed only if its try body failed.
        let mut found_each = vec![false; found.imports.len()];
        for (index, import) in found.imports.into_iter().enumerate() {
            // A fallback in the importer's own package stays: compiled
            // code may import it by name (pandas, `zoneinfo._zoneinfo`).
            let own = import.level > 0 || import.module.strip_prefix(top_level(name)).is_some_and(|rest| rest.starts_with('.'));
            if !import.instead_of.is_empty() && import.instead_of.iter().all(|&i| found_each[i]) && !own {
                continue;
            }
            let site = ImportSite {
                importer: name,
                line: import.line,
                optional: import.optional,
                conditional: import.conditional,
                deferred: import.deferred,
            };
            let module = if import.level == 0 {
                import.module
            } else {
                match relative(name, is_package, import.level, &import.module) {
                    Some(absolute) => absolute,
                    None => {
                        let first = import.names.first().map_or("", String::as_str);
                        let part = if import.module.is_empty() { first } else { &import.module };
                        let written = format!("{}{part}", ".".repeat(import.level as usize));
                        self.record_missing(&written, Some(&site));
                        continue;
                    }
                }
            };
            if stdlib && lazy_only(name, &module) {
                continue;
            }
            if !stdlib && self.undeclared_foreign(name, &module) {
                if !site.eager() {
                    let rule = format!(
                        "imported by {name} only in a function, in an if branch or where ImportError is caught, and its distribution does not require it"
                    );
                    self.leave_out(top_level(&module), rule);
                } else {
                    let waiting = Waiting { importer: name.to_string(), line: import.line, module, names: import.names };
                    self.waiting.push(waiting);
                }
                continue;
            }
            found_each[index] = self.take(&module, &import.names, &site);
        }
        if node_origin_is_app(&self.nodes[name]) {
            self.app_strings(name, &found.dotted_strings);
        }
        self.read_by_path.extend(found.template_packages.iter().map(|p| top_level(p).to_string()));
        for codec in &found.codec_names {
            self.include_codec(name, codec);
        }
    }

    /// The `encodings` module of codec `codec`, which `importer` names.
    fn include_codec(&mut self, importer: &str, codec: &str) {
        if self.codecs.is_none() {
            let aliases = self.nodes.get("encodings.aliases").and_then(|node| match &node.module.kind {
                ModuleKind::Source(path) => Some(path.clone()),
                _ => None,
            });
            self.codecs = Some(aliases.map(|path| Codecs::read(&path)).unwrap_or_default());
        }
        if let Some(module) = self.codecs.as_ref().and_then(|codecs| codecs.module(codec)) {
            self.include_quietly(&module, Via::Implied(importer));
        }
    }

    /// Brings in an imported module and the names imported from it that
    /// are submodules; returns whether the module was found.
    fn take(&mut self, module: &str, names: &[String], site: &ImportSite<'_>) -> bool {
        if !self.include(module, Via::Import(site)) {
            return false;
        }
        for item in names {
            if item == "*" {
                self.star(module, site.importer);
            } else {
                self.include_quietly(&format!("{module}.{item}"), Via::Import(site));
            }
        }
        true
    }

    /// The app's own modules that the app's string literals name
    /// (`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")`):
    /// frameworks import them by that name.
    fn app_strings(&mut self, importer: &str, strings: &[String]) {
        let site = ImportSite { importer, line: 0, optional: false, conditional: true, deferred: true };
        for text in strings {
            let top = top_level(text);
            let is_app = match self.nodes.get(top) {
                Some(node) => node_origin_is_app(node),
                None => self.resolver.find_top(top).is_some_and(|kind| self.origin(&kind).0 == Origin::App),
            };
            if is_app {
                self.include_quietly(text, Via::Import(&site));
            }
        }
    }

    /// A module that running code imported. What a package imports at
    /// import time from another distribution that it does not require
    /// (pandas imports pyarrow if it is installed) is left out, as its
    /// optional imports are.
    fn add_seen(&mut self, index: usize, seen: &Seen) {
        if let Some(by) = &seen.by {
            if self.nodes.contains_key(by.as_str()) && self.undeclared_foreign(by, &seen.module) {
                let rule = format!("imported at import time by {by} when it is installed, and {by}'s distribution does not require it");
                self.leave_out(top_level(&seen.module), rule);
                return;
            }
        }
        self.include_quietly(&seen.module, Via::Seen(index));
    }

    /// Follows the waiting imports whose importer is now known to run
    /// whenever the app runs, or whose module another import brought in.
    /// Returns whether any was followed.
    fn resume_waiting(&mut self) -> bool {
        let eager: HashSet<String> = eagerly_imported(&self.nodes).into_iter().map(String::from).collect();
        let (ready, still): (Vec<Waiting>, Vec<Waiting>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| eager.contains(&w.importer) || self.nodes.contains_key(top_level(&w.module)));
        self.waiting = still;
        let followed = ready.iter().any(|w| !self.nodes.contains_key(top_level(&w.module)));
        for w in &ready {
            let site = ImportSite { importer: &w.importer, line: w.line, optional: false, conditional: false, deferred: false };
            self.take(&w.module, &w.names, &site);
        }
        followed
    }

    fn leave_out(&mut self, name: &str, rule: String) {
        self.left_out.entry(name.to_string()).or_insert(rule);
    }

    /// `from package import *`: the submodules its `__all__` names.
    fn star(&mut self, package: &str, importer: &str) {
        if !matches!(self.nodes.get(package).map(|n| &n.module.kind), Some(ModuleKind::Package(_))) {
            return;
        }
        let Some(all) = self.alls.get(package).cloned() else {
            self.stars.push((package.to_string(), importer.to_string()));
            return;
        };
        let site = ImportSite { importer, line: 0, optional: true, conditional: false, deferred: false };
        for item in all {
            self.include_quietly(&format!("{package}.{item}"), Via::Import(&site));
        }
    }

    /// Brings in `name` and its parent packages; records it as missing if it
    /// cannot be found. Returns whether it is in the graph.
    fn include(&mut self, name: &str, via: Via<'_>) -> bool {
        self.bring_in(name, via, true)
    }

    /// Like [`Self::include`] for a name that may be a submodule or not.
    fn include_quietly(&mut self, name: &str, via: Via<'_>) -> bool {
        self.bring_in(name, via, false)
    }

    /// `name`, `pkg.*` for a package and all its submodules, or `prefix*`
    /// for every top-level module whose name starts so.
    fn include_pattern(&mut self, pattern: &str, via: Via<'_>) {
        if let Some(prefix) = pattern.strip_suffix('*').filter(|p| !p.ends_with('.')) {
            for name in self.top_level_names(prefix) {
                self.include(&name, via);
            }
        } else if let Some(package) = pattern.strip_suffix(".*") {
            if self.include(package, via) {
                self.include_submodules(package, via, &mut HashSet::new());
            }
        } else {
            self.include(pattern, via);
        }
    }

    fn bring_in(&mut self, name: &str, via: Via<'_>, report: bool) -> bool {
        if self.excluded(name) {
            self.leave_out(name, "--exclude-module".into());
            return false;
        }
        let mut end = 0;
        for part in name.split('.') {
            let parent = &name[..end];
            end += part.len() + usize::from(end > 0);
            let prefix = &name[..end];
            // A submodule of a plain module can only come from the module
            // itself (`os.path`): nothing to find.
            if !parent.is_empty() && package_dirs(&self.nodes[parent].module.kind).is_none() {
                return false;
            }
            if !self.lookup(prefix, parent, via) {
                let on_purpose = self.left_out.contains_key(prefix) || self.excluded(prefix);
                if report && !on_purpose && matches!(via, Via::Entry | Via::Root | Via::Import(_)) {
                    let site = match via {
                        Via::Import(site) => Some(site),
                        _ => None,
                    };
                    self.record_missing(prefix, site);
                }
                return false;
            }
        }
        true
    }

    /// Whether `name` is in the graph, adding it if it can be found in
    /// `parent` (empty for a top-level name), with an edge from whatever
    /// asked for it.
    fn lookup(&mut self, name: &str, parent: &str, via: Via<'_>) -> bool {
        if self.nodes.contains_key(name) {
            self.connect(name, via);
            return true;
        }
        if self.absent.contains(name) {
            return false;
        }
        let found = match self.nodes.get(parent) {
            None => self.resolver.find_top(name),
            Some(node) => self.resolver.find_child(&node.module.kind, &name[parent.len() + 1..]),
        };
        let Some(kind) = found else {
            self.absent.insert(name.to_string());
            return false;
        };
        let (origin, dist) = self.origin(&kind);
        if let Some(rule) = never_followed(name, &origin) {
            self.absent.insert(name.to_string());
            self.leave_out(name, rule.into());
            return false;
        }
        self.insert(Module { name: name.to_string(), kind, origin, reason: Reason::Entry }, via, dist);
        true
    }

    /// Adds a found module; `dist` is the distribution that installed it.
    fn insert(&mut self, module: Module, via: Via<'_>, dist: Option<usize>) {
        let name = module.name.clone();
        if matches!(module.kind, ModuleKind::Source(_) | ModuleKind::Package(_)) {
            self.frontier.push(name.clone());
        }
        let fixed = match via {
            Via::Seen(index) => Some(match &self.inputs.seen[index].by {
                Some(by) => Reason::ProbedBy(by.clone()),
                None => Reason::SeenAtRun,
            }),
            _ => None,
        };
        self.nodes.insert(name.clone(), Node { module, edges: Vec::new(), fixed, part_of: None, implied: false, main: false });
        self.connect(&name, via);
        if let Some(id) = dist {
            self.reach(id);
        }
    }

    /// Records how `name` was asked for, and adds its implicit needs when
    /// code or a root asks for it.
    fn connect(&mut self, name: &str, via: Via<'_>) {
        let fixed = match via {
            Via::Entry => Some(Reason::Entry),
            Via::Root | Via::Startup => Some(Reason::Root),
            // Only for what nothing else brought in: see `insert`.
            _ => None,
        };
        match via {
            Via::Import(site) => self.edge(site.importer, name, false, site.eager()),
            // Not eager: a need may be for one platform (`multiprocessing.*`).
            Via::Implied(from) => self.edge(from, name, true, false),
            Via::PartOf(id) => {
                let node = self.nodes.get_mut(name).expect("connect after insert");
                node.part_of.get_or_insert(id);
            }
            _ => {}
        }
        let node = self.nodes.get_mut(name).expect("connect after insert");
        if node.fixed.is_none() {
            node.fixed = fixed;
        }
        if matches!(via, Via::PartOf(_) | Via::Startup) || node.implied {
            return;
        }
        node.implied = true;
        for need in implicit(name) {
            self.include_pattern(need, Via::Implied(name));
        }
    }

    fn edge(&mut self, from: &str, to: &str, implied: bool, eager: bool) {
        if from == to {
            return;
        }
        let Some(node) = self.nodes.get_mut(from) else { return };
        match node.edges.iter_mut().find(|e| e.to == to) {
            Some(edge) => edge.eager |= eager,
            None => node.edges.push(Edge { to: to.to_string(), implied, eager }),
        }
    }

    /// Every submodule of package `name`, recursively through regular
    /// subpackages; `walked` (canonical directories) stops symlink loops.
    fn include_submodules(&mut self, name: &str, via: Via<'_>, walked: &mut HashSet<PathBuf>) {
        let Some(dirs) = package_dirs(&self.nodes[name].module.kind) else { return };
        let mut children = BTreeSet::new();
        for dir in &dirs {
            if !std::fs::canonicalize(dir).is_ok_and(|d| walked.insert(d)) {
                continue;
            }
            let Some(listing) = self.resolver.listings.get(dir) else { continue };
            let files: Vec<String> = listing.files.iter().cloned().collect();
            let dirs: Vec<String> = listing.dirs.iter().filter(|d| super::imports::is_identifier(d) && *d != "__pycache__").cloned().collect();
            for dir in dirs {
                if is_test_dir(&dir) {
                    self.leave_out(&format!("{name}.{dir}"), TEST_SUITE_RULE.into());
                } else {
                    children.insert(dir);
                }
            }
            for file in &files {
                let stem = file.strip_suffix(".py").or_else(|| self.resolver.extension_stem(file));
                children.extend(stem.filter(|s| *s != "__init__" && super::imports::is_module_stem(s)).map(String::from));
            }
        }
        for child in children {
            let full = format!("{name}.{child}");
            if self.include_quietly(&full, via) && matches!(self.nodes[full.as_str()].module.kind, ModuleKind::Package(_)) {
                self.include_submodules(&full, via, walked);
            }
        }
    }

    /// Top-level modules (`.py` files) in the search path whose name starts
    /// with `prefix`.
    fn top_level_names(&mut self, prefix: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for entry in self.resolver.entries().to_vec() {
            let Some(listing) = self.resolver.listings.get(&entry) else { continue };
            let matching = listing.files.iter().filter(|f| f.starts_with(prefix));
            names.extend(matching.filter_map(|f| f.strip_suffix(".py")).map(String::from));
        }
        names
    }

    /// Takes a distribution whole: all of its modules come in.
    fn reach(&mut self, id: usize) {
        if !self.reached.insert(id) {
            return;
        }
        let (names, suites) = self.sites.module_names(id, |file| self.resolver.extension_stem(file).map(String::from));
        for name in names {
            self.include_quietly(&name, Via::PartOf(id));
        }
        for suite in suites {
            self.leave_out(&suite, TEST_SUITE_RULE.into());
        }
        // What it requires comes too: native code imports some of it where
        // no source shows (cryptography's Rust code imports `_cffi_backend`).
        for required in self.sites.requirements(id, &self.inputs.target) {
            self.reach(required);
        }
    }

    /// Whether an import by a distribution's module leads to another
    /// distribution, not in the graph yet, that the importer's does not
    /// require. Such an import is followed only if it runs whenever the app
    /// runs (not `try: import rich`, not `if HAS_PYARROW: import pyarrow`,
    /// not a plugin imported in a function, not from a module that nothing
    /// imports), or one package would pull in everything installed beside
    /// it. The app still gets it if it imports it itself.
    fn undeclared_foreign(&mut self, importer: &str, module: &str) -> bool {
        let top = top_level(module);
        if self.nodes.contains_key(top) {
            return false;
        }
        let importer_kind = self.nodes[importer].module.kind.clone();
        let Some(importer_dist) = self.origin(&importer_kind).1 else { return false };
        let Some(target_kind) = self.resolver.find_top(top) else { return false };
        match self.origin(&target_kind).1 {
            Some(target_dist) => target_dist != importer_dist && !self.sites.requirements(importer_dist, &self.inputs.target).contains(&target_dist),
            None => false,
        }
    }

    /// Where a module comes from: the stdlib, a distribution (and which),
    /// or neither. Decided by the deepest search path entry holding it.
    fn origin(&mut self, kind: &ModuleKind) -> (Origin, Option<usize>) {
        let Some(path) = file_of(kind) else { return (Origin::Stdlib, None) };
        let depth = |dir: &PathBuf| dir.as_os_str().len();
        let stdlib = self.stdlib_dirs.iter().filter(|d| path.starts_with(d)).map(depth).max();
        let entry = self.resolver.entries().iter().filter(|e| path.starts_with(e)).max_by_key(|e| depth(e)).cloned();
        match (stdlib, entry) {
            (Some(s), Some(e)) if s >= depth(&e) => (Origin::Stdlib, None),
            (Some(_), None) => (Origin::Stdlib, None),
            (_, Some(entry)) => match self.sites.owner(&mut self.resolver.listings, &entry, path) {
                Some(id) => (Origin::Distribution(self.sites.name(id).to_string()), Some(id)),
                None => (Origin::App, None),
            },
            (None, None) => (Origin::App, None),
        }
    }

    fn excluded(&self, name: &str) -> bool {
        is_excluded(&self.inputs.excludes, name)
    }

    fn record_missing(&mut self, name: &str, site: Option<&ImportSite<'_>>) {
        let importer = site.map(|s| s.importer.to_string());
        let entry = self.missing.entry((name.to_string(), importer.clone())).or_insert(Missing {
            name: name.to_string(),
            imported_by: importer,
            line: site.map_or(0, |s| s.line),
            optional: false,
            conditional: true,
            deferred: true,
            reachable: false,
        });
        // A module that guards one import of a name expects it may be
        // absent; otherwise the least guarded import counts.
        entry.optional |= site.is_some_and(|s| s.optional);
        entry.conditional &= site.is_some_and(|s| s.conditional);
        entry.deferred &= site.is_some_and(|s| s.deferred);
    }

    fn finish(mut self) -> Analysis {
        let sites = &self.sites;
        assign_reasons(&mut self.nodes, |id| sites.name(id).to_string());
        let mut missing: Vec<Missing> = std::mem::take(&mut self.missing).into_values().collect();
        let eager = eagerly_imported(&self.nodes);
        for item in &mut missing {
            item.reachable = item.imported_by.as_ref().is_none_or(|i| eager.contains(i.as_str()));
        }
        for w in std::mem::take(&mut self.waiting) {
            let rule = format!(
                "imported by {} (line {}), which the app does not import whenever it runs, and its distribution does not require it",
                w.importer, w.line
            );
            self.leave_out(top_level(&w.module), rule);
        }
        let nodes = &self.nodes;
        let left_out = std::mem::take(&mut self.left_out)
            .into_iter()
            .filter(|(name, _)| !nodes.contains_key(name))
            .map(|(name, rule)| LeftOut { name, rule })
            .collect();
        let excludes = &self.inputs.excludes;
        let mut warnings = std::mem::take(&mut self.warnings);
        let distributions = self
            .reached
            .iter()
            .map(|&id| self.sites.distribution(id, |name| is_excluded(excludes, name), |name| nodes.contains_key(name), &mut warnings))
            .collect();
        let modules = self.nodes.into_iter().map(|(name, node)| (name, node.module)).collect();
        let read_by_path = std::mem::take(&mut self.read_by_path);
        Analysis { modules, missing, distributions, left_out, warnings, read_by_path }
    }
}

/// Why the left-out test suites are not bundled.
const TEST_SUITE_RULE: &str = "a test suite that nothing imports; --hidden-import it to bundle it";

/// The rule that keeps a found module out of the bundle whoever imports
/// it: the stdlib's never-list and its test suites. (A distribution's test
/// suite is left out only when the distribution is taken whole.)
fn never_followed(name: &str, origin: &Origin) -> Option<&'static str> {
    match origin {
        Origin::Stdlib if is_never(name) => Some("the stdlib's never-list (tests, GUI toolkits, development tools)"),
        Origin::Stdlib if name.split('.').skip(1).any(is_test_dir) => Some("a test suite of the stdlib"),
        _ => None,
    }
}

fn node_origin_is_app(node: &Node) -> bool {
    node.module.origin == Origin::App
}

fn top_level(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// `name` is one of `excludes` or a submodule of one.
fn is_excluded(excludes: &[String], name: &str) -> bool {
    excludes.iter().any(|e| name == e || name.strip_prefix(e.as_str()).is_some_and(|r| r.starts_with('.')))
}

/// The file that locates a module (a namespace package: its first
/// directory); `None` for a builtin.
fn file_of(kind: &ModuleKind) -> Option<&Path> {
    match kind {
        ModuleKind::Source(p) | ModuleKind::Package(p) | ModuleKind::Extension(p) => Some(p),
        ModuleKind::Namespace(dirs) => dirs.first().map(PathBuf::as_path),
        ModuleKind::Builtin => None,
    }
}

/// The absolute name of a relative import `level` dots up from `module`.
fn relative(module: &str, is_package: bool, level: u32, name: &str) -> Option<String> {
    let mut parts: Vec<&str> = if module == "__main__" { Vec::new() } else { module.split('.').collect() };
    if !is_package {
        parts.pop()?;
    }
    for _ in 1..level {
        parts.pop()?;
    }
    if parts.is_empty() {
        return None;
    }
    if !name.is_empty() {
        parts.push(name);
    }
    Some(parts.join("."))
}

fn scan_file(path: &Path, target: &Target, name: &str, main: bool, stdlib: bool) -> Result<Scan, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {} ({e}); its imports are not followed", path.display()))?;
    let source = String::from_utf8_lossy(&bytes);
    scan(&source, target, if main { "__main__" } else { name }, stdlib)
        .map_err(|e| format!("{}: {e}; its imports are not followed", path.display()))
}
