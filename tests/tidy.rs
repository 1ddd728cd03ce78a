//! The invariants of ARCHITECTURE.md, checked (as rust-analyzer's tidy test checks its own): crate edges
//! read from `cargo metadata`, names and sleeps grepped from the source, every file's `//!` header, every
//! `allow` with its reason, every dependency used. A test here fails naming each place that breaks one.
//!
//! What counts as a runtime's crate is derived, not listed: the crate each registry entry names
//! (`RuntimeInfo::runtime_crate`), and whatever else an adapter depends on that the trait crate does not
//! (so `tokio-util` in an adapter is a runtime crate, `futures-io`, the trait crate's own seam, is not).
//! The adapters are the crates the registry's types live in.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use regex::Regex;
use rosetta_runtimes::Runtime;
use serde_json::Value;

/// A dependency as a manifest declares it.
#[derive(Debug)]
struct Dep {
    /// The package's name.
    name: String,
    /// The name code uses (the rename, or the package's name), with `-` as `_`.
    ident: String,
    /// `None` for a normal dependency, else `dev` or `build`.
    kind: Option<String>,
    /// Whether it is a crate of this workspace.
    ours: bool,
}

/// A crate of the workspace.
#[derive(Debug)]
struct Package {
    dir: PathBuf,
    deps: Vec<Dep>,
}

/// What `cargo metadata` says of the workspace.
#[derive(Debug)]
struct Workspace {
    root: PathBuf,
    members: BTreeMap<String, Package>,
    /// Every package of the build's graph, by name: its normal and build dependencies, by name.
    graph: HashMap<String, BTreeSet<String>>,
    /// What hyper's manifest asks of tokio: (optional, default features, features), if it depends on it.
    hyper_tokio: Option<(bool, bool, Vec<String>)>,
    /// hyper's features, each with what it turns on.
    hyper_features: BTreeMap<String, Vec<String>>,
}

fn workspace() -> &'static Workspace {
    static WORKSPACE: OnceLock<Workspace> = OnceLock::new();
    WORKSPACE.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let out = Command::new(cargo)
            .args(["metadata", "--format-version", "1"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo metadata runs");
        assert!(
            out.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        let members: BTreeSet<String> = meta["workspace_members"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        let mut names = HashMap::new();
        let mut packages = BTreeMap::new();
        let mut hyper_tokio = None;
        let mut hyper_features = BTreeMap::new();
        for package in meta["packages"].as_array().into_iter().flatten() {
            let (id, name) = (text(&package["id"]), text(&package["name"]));
            names.insert(id.clone(), name.clone());
            if name == "hyper" {
                let strings = |value: &Value| -> Vec<String> {
                    value.as_array().into_iter().flatten().map(text).collect()
                };
                hyper_tokio = package["dependencies"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|dep| dep["name"] == "tokio" && dep["kind"].is_null())
                    .map(|dep| {
                        (
                            dep["optional"].as_bool().unwrap_or(true),
                            dep["uses_default_features"].as_bool().unwrap_or(true),
                            strings(&dep["features"]),
                        )
                    });
                if let Some(features) = package["features"].as_object() {
                    for (feature, enables) in features {
                        hyper_features.insert(feature.clone(), strings(enables));
                    }
                }
            }
            if !members.contains(&id) {
                continue;
            }
            let manifest = PathBuf::from(text(&package["manifest_path"]));
            let deps = package["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|dep| {
                    let name = text(&dep["name"]);
                    let key = dep["rename"]
                        .as_str()
                        .map_or_else(|| name.clone(), str::to_owned);
                    Dep {
                        ident: key.replace('-', "_"),
                        kind: dep["kind"].as_str().map(str::to_owned),
                        ours: dep["path"].is_string(),
                        name,
                    }
                })
                .collect();
            let dir = manifest
                .parent()
                .expect("a manifest is in a directory")
                .to_path_buf();
            packages.insert(name, Package { dir, deps });
        }
        let mut graph = HashMap::new();
        for node in meta["resolve"]["nodes"].as_array().into_iter().flatten() {
            let deps = node["deps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|dep| {
                    dep["dep_kinds"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|kind| kind["kind"].as_str() != Some("dev"))
                })
                .filter_map(|dep| names.get(&text(&dep["pkg"])).cloned())
                .collect();
            if let Some(name) = names.get(&text(&node["id"])) {
                graph.insert(name.clone(), deps);
            }
        }
        Workspace {
            root: PathBuf::from(text(&meta["workspace_root"])),
            members: packages,
            graph,
            hyper_tokio,
            hyper_features,
        }
    })
}

impl Workspace {
    fn package(&self, name: &str) -> &Package {
        self.members
            .get(name)
            .unwrap_or_else(|| panic!("no package {name} in the workspace"))
    }

    /// The normal and build dependencies `name` declares (its own, not its dependencies').
    fn direct(&self, name: &str) -> impl Iterator<Item = &Dep> {
        self.package(name)
            .deps
            .iter()
            .filter(|dep| dep.kind.as_deref() != Some("dev"))
    }

    /// Every package `name` builds on, through normal and build dependencies.
    fn closure(&self, name: &str) -> BTreeSet<String> {
        self.closure_cutting(name, None)
    }

    /// [`Workspace::closure`], without following the one edge `cut` (from, to).
    fn closure_cutting(&self, name: &str, cut: Option<(&str, &str)>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![name.to_owned()];
        while let Some(next) = todo.pop() {
            for dep in self.graph.get(&next).into_iter().flatten() {
                if cut == Some((next.as_str(), dep.as_str())) {
                    continue;
                }
                if seen.insert(dep.clone()) {
                    todo.push(dep.clone());
                }
            }
        }
        seen
    }
}

/// The adapter crates, each with the runtime crates its registry entries name: derived from the registry,
/// through the crate each of its types lives in.
fn adapters() -> BTreeMap<String, BTreeSet<&'static str>> {
    macro_rules! entries {
        ([] $($module:ident => $ty:ty;)*) => {
            vec![$((std::any::type_name::<$ty>(), <$ty as Runtime>::INFO.runtime_crate)),*]
        };
    }
    let mut adapters: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for (type_name, runtime_crate) in rosetta_runtimes::for_each_runtime!([entries]) {
        let krate = type_name
            .split("::")
            .next()
            .unwrap_or(type_name)
            .replace('_', "-");
        adapters.entry(krate).or_default().insert(runtime_crate);
    }
    adapters
}

/// The adapters' types, by the name code would use (`Smol`, `TokioMultiThread`): every type a registry
/// entry names, a generic flavor's (`PerCore`) and its base's (`Compio`) alike.
fn adapter_types() -> Vec<&'static str> {
    macro_rules! types {
        ([] $($module:ident => $ty:ty;)*) => { vec![$(std::any::type_name::<$ty>()),*] };
    }
    let names: Vec<&'static str> = rosetta_runtimes::for_each_runtime!([types]);
    let mut types: Vec<&'static str> = names
        .into_iter()
        .flat_map(|name| name.split(['<', '>', ',', ' ']))
        .filter_map(|path| path.rsplit("::").next())
        .filter(|name| !name.is_empty())
        .collect();
    types.sort_unstable();
    types.dedup();
    types
}

/// The generic flavors among the adapters: crates whose registry entries name a runtime crate they do
/// not depend on, because they are generic over a base adapter that does (`rosetta-percore`'s
/// `PerCore<Compio>` names compio's crate). What they depend on is a scheduler's parts, not a
/// runtime: it is not counted among the runtimes' crates.
fn generic_flavors() -> BTreeSet<String> {
    let ws = workspace();
    adapters()
        .into_iter()
        .filter(|(adapter, own)| {
            !ws.direct(adapter)
                .any(|dep| own.contains(dep.name.as_str()))
        })
        .map(|(adapter, _)| adapter)
        .collect()
}

/// The runtimes' crates: each registry entry's, and what adapters (but generic flavors) depend on
/// beyond the trait crate's own.
fn runtime_crates() -> BTreeSet<String> {
    let ws = workspace();
    let seam = ws.closure("rosetta-rt");
    let mut crates: BTreeSet<String> = rosetta_runtimes::RUNTIMES
        .iter()
        .map(|info| info.runtime_crate.to_owned())
        .collect();
    let generic = generic_flavors();
    for adapter in adapters()
        .keys()
        .filter(|adapter| !generic.contains(*adapter))
    {
        for dep in ws.direct(adapter) {
            if !dep.ours && !seam.contains(&dep.name) {
                crates.insert(dep.name.clone());
            }
        }
    }
    crates
}

/// Fails listing `problems`, if there are any.
fn assert_none(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

#[test]
fn rosetta_rt_depends_on_nothing_but_futures_io_and_rosetta_ids_on_nothing() {
    let ws = workspace();
    let mut problems = Vec::new();
    for dep in ws.direct("rosetta-rt") {
        if dep.name != "futures-io" {
            problems.push(format!("rosetta-rt depends on {}", dep.name));
        }
    }
    for dep in ws.direct("rosetta-ids") {
        problems.push(format!("rosetta-ids depends on {}", dep.name));
    }
    assert_none("the trait crate and the id helper stand alone", &problems);
}

#[test]
fn adapters_depend_only_on_rosetta_rt_and_their_runtimes_crates() {
    let ws = workspace();
    let adapters = adapters();
    assert!(
        adapters.len() >= 2,
        "the registry names adapters: {adapters:?}"
    );
    let named: BTreeSet<&str> = adapters.values().flatten().copied().collect();
    let mut problems = Vec::new();
    for (adapter, own) in &adapters {
        for dep in ws.direct(adapter) {
            if dep.ours && dep.name != "rosetta-rt" {
                problems.push(format!(
                    "{adapter} depends on {}, a crate of ours other than rosetta-rt",
                    dep.name
                ));
            }
            if named.contains(dep.name.as_str()) && !own.contains(dep.name.as_str()) {
                problems.push(format!(
                    "{adapter} depends on {}, another runtime's crate",
                    dep.name
                ));
            }
        }
    }
    // A generic flavor builds on no runtime at all: its base comes from the registry's line.
    let runtimes = runtime_crates();
    let generic = generic_flavors();
    for flavor in &generic {
        for krate in ws.closure(flavor).intersection(&runtimes) {
            problems.push(format!(
                "{flavor}, a generic flavor, builds on {krate}, a runtime's crate"
            ));
        }
    }
    assert!(
        generic.contains("rosetta-percore"),
        "the thread-per-core flavor is generic: {generic:?}"
    );
    assert_none(
        "adapters depend only on rosetta-rt and their runtime's crates",
        &problems,
    );
}

#[test]
fn the_toolkit_the_hyper_glue_and_the_scenarios_build_on_no_runtime() {
    let ws = workspace();
    let mut forbidden = runtime_crates();
    forbidden.extend(adapters().into_keys());
    forbidden.insert("rosetta-runtimes".to_owned());
    let mut problems = Vec::new();
    // hyper (the HTTP stack of rosetta-http and the scenarios) always depends on tokio, for the channels of its `sync`
    // module, never its runtime: that one edge is not followed while hyper's manifest asks tokio for
    // `sync` alone (tokio's default features are none) and no feature of hyper asks for more.
    let hyper_asks_only_sync = ws
        .hyper_tokio
        .as_ref()
        .is_none_or(|(optional, _, features)| {
            !optional && features.iter().map(String::as_str).eq(["sync"])
        })
        && ws
            .hyper_features
            .values()
            .flatten()
            .all(|enables| !enables.starts_with("tokio"));
    let cut = hyper_asks_only_sync.then_some(("hyper", "tokio"));
    for package in [
        "rosetta-rt",
        "rosetta-ids",
        "rosetta-asyncio",
        "rosetta-http",
        "rosetta-scenarios",
    ] {
        for krate in ws.closure_cutting(package, cut).intersection(&forbidden) {
            problems.push(format!("{package} builds on {krate}"));
        }
    }
    assert_none(
        "the toolkit, the hyper glue and the scenarios depend on the trait, never on a runtime",
        &problems,
    );
}

/// The Rust files under `dir`, recursively (no `target/`).
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                files.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The parts of the repository whose Rust files tidy reads.
fn sources() -> Vec<PathBuf> {
    let root = &workspace().root;
    ["crates", "src", "tests", "benches", "examples"]
        .iter()
        .flat_map(|dir| rust_files(&root.join(dir)))
        .collect()
}

/// `path` relative to the repository root, for messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(&workspace().root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Rust source with its comments and string and char literals blanked out, line for line: what the code
/// names, not what its prose or data mention.
fn code(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                out.push('"');
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        '\n' => out.push('\n'),
                        _ => {}
                    }
                }
                out.push('"');
            }
            '\'' => {
                // A char literal ('x', '\n'); a lifetime ('a) has no closing quote after one char.
                let mut ahead = chars.clone();
                let literal = match ahead.next() {
                    Some('\\') => true,
                    Some(_) => ahead.next() == Some('\''),
                    None => false,
                };
                out.push('\'');
                if literal {
                    while let Some(c) = chars.next() {
                        if c == '\\' {
                            chars.next();
                        } else if c == '\'' {
                            break;
                        }
                    }
                    out.push('\'');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn code_above_the_registry_names_no_runtime_crate_nor_adapter() {
    // Above the registry: the toolkit, the hyper glue, the scenarios, the harness, compare, the id helper, the binary,
    // the network comparison, the benches, the examples and the root tests. rosetta-workloads is the documented exception (its
    // native baselines and floors are written against the runtimes on purpose).
    let root = &workspace().root;
    let above = [
        "crates/asyncio",
        "crates/http",
        "crates/scenarios",
        "crates/harness",
        "crates/compare",
        "crates/netbench",
        "crates/ids",
        "src",
        "benches",
        "examples",
        "tests",
    ];
    let mut idents: Vec<String> = runtime_crates()
        .iter()
        .map(|name| name.replace('-', "_"))
        .collect();
    idents.extend(adapters().keys().map(|name| name.replace('-', "_")));
    let crates = idents.join("|");
    let path =
        Regex::new(&format!(r"\b({crates})::|\b(use|crate)\s+({crates})\b")).expect("valid regex");
    let types = Regex::new(&format!(r"\b({})\b", adapter_types().join("|"))).expect("valid regex");
    let mut problems = Vec::new();
    for file in above.iter().flat_map(|dir| rust_files(&root.join(dir))) {
        let Ok(source) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (number, line) in code(&source).lines().enumerate() {
            if let Some(found) = path.find(line).or_else(|| types.find(line)) {
                problems.push(format!(
                    "{}:{}: names `{}`",
                    shown(&file),
                    number + 1,
                    found.as_str()
                ));
            }
        }
    }
    assert_none(
        "code above the registry reaches runtimes only through rosetta-runtimes",
        &problems,
    );
}

#[test]
fn scenarios_sleep_only_through_ctx() {
    let dir = workspace().package("rosetta-scenarios").dir.join("src");
    let sleep =
        Regex::new(r"::\s*(sleep|sleep_until|park_timeout)\b|\buse\b[^;]*\b(sleep|sleep_until)\b")
            .expect("valid regex");
    let mut problems = Vec::new();
    for scenario in rosetta_scenarios::SCENARIOS {
        let file = dir.join(format!("{}.rs", scenario.id));
        let source =
            std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("no {}", shown(&file)));
        for (number, line) in code(&source).lines().enumerate() {
            if let Some(found) = sleep.find(line) {
                problems.push(format!(
                    "{}:{}: `{}`",
                    shown(&file),
                    number + 1,
                    found.as_str()
                ));
            }
        }
    }
    assert_none(
        "a scenario sleeps only through Ctx (sleep, sleep_until, block, block_until)",
        &problems,
    );
}

#[test]
fn every_rust_file_opens_with_a_doc_comment() {
    let mut problems = Vec::new();
    for file in sources() {
        let source = std::fs::read_to_string(&file).unwrap_or_default();
        if !source.starts_with("//!") {
            problems.push(shown(&file));
        }
    }
    assert_none(
        "every .rs file opens with a `//!` line saying what it is",
        &problems,
    );
}

#[test]
fn every_allow_and_expect_carries_a_reason() {
    let attribute = Regex::new(r"#!?\[\s*(allow|expect)\s*\(").expect("valid regex");
    let mut problems = Vec::new();
    for file in sources() {
        let source = std::fs::read_to_string(&file).unwrap_or_default();
        let code = code(&source);
        for found in attribute.find_iter(&code) {
            // The attribute runs to its closing `]`; the reason is a string, blanked in `code`, so read it
            // from the source (the two have the same offsets up to here, line for line).
            let line = code[..found.start()].matches('\n').count();
            let rest: String = source
                .lines()
                .skip(line)
                .take(4)
                .collect::<Vec<_>>()
                .join("\n");
            let attr = rest.split(']').next().unwrap_or_default();
            if !attr.contains("reason") {
                problems.push(format!("{}:{}: `{}`", shown(&file), line + 1, attr.trim()));
            }
        }
    }
    for manifest in workspace()
        .members
        .values()
        .map(|package| package.dir.join("Cargo.toml"))
    {
        let text = std::fs::read_to_string(&manifest).unwrap_or_default();
        let mut in_lints = false;
        for (number, line) in text.lines().enumerate() {
            if line.starts_with('[') {
                in_lints = line.contains("lints");
            } else if in_lints
                && (line.contains("\"allow\"") || line.contains("\"expect\""))
                && !line.contains('#')
            {
                problems.push(format!(
                    "{}:{}: `{line}` has no reason",
                    shown(&manifest),
                    number + 1
                ));
            }
        }
    }
    assert_none(
        "an allow or expect says why (`reason = \"...\"`, or a comment in Cargo.toml)",
        &problems,
    );
}

#[test]
fn no_dependency_is_declared_and_unused() {
    let ws = workspace();
    let other_roots: Vec<&Path> = ws
        .members
        .values()
        .map(|package| package.dir.as_path())
        .filter(|dir| *dir != ws.root)
        .collect();
    let mut problems = Vec::new();
    for (name, package) in &ws.members {
        // A package's files: its directory's, less the other packages' (the root package holds `crates/`).
        let files: Vec<PathBuf> = rust_files(&package.dir)
            .into_iter()
            .filter(|file| {
                package.dir != ws.root || !other_roots.iter().any(|dir| file.starts_with(dir))
            })
            .collect();
        let text: String = files
            .iter()
            .filter_map(|file| std::fs::read_to_string(file).ok())
            .collect();
        for dep in &package.deps {
            let used = Regex::new(&format!(
                r"\b{}\s*(::|!)|\b(use|crate)\s+{}\b",
                dep.ident, dep.ident
            ))
            .expect("valid regex");
            if !used.is_match(&text) {
                let kind = dep.kind.as_deref().unwrap_or("normal");
                problems.push(format!(
                    "{name} declares {} ({kind}) and never uses it",
                    dep.name
                ));
            }
        }
    }
    let declared: BTreeSet<&str> = ws
        .members
        .values()
        .flat_map(|package| &package.deps)
        .map(|dep| dep.name.as_str())
        .collect();
    let manifest = std::fs::read_to_string(ws.root.join("Cargo.toml")).expect("the root manifest");
    let shared = manifest
        .split("[workspace.dependencies]")
        .nth(1)
        .unwrap_or_default();
    let shared = shared.split("\n[").next().unwrap_or_default();
    for line in shared.lines() {
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if !key.starts_with('#') && !declared.contains(key) {
            problems.push(format!(
                "[workspace.dependencies] has {key}, which no package uses"
            ));
        }
    }
    assert_none("every dependency declared is used", &problems);
}

#[test]
fn tidy_reads_what_it_checks() {
    // The rules above pass vacuously if they read nothing: check they see the workspace and the code.
    let ws = workspace();
    assert!(ws.members.contains_key("rosetta-rt") && ws.members.contains_key("rosetta-scenarios"));
    assert!(runtime_crates().contains("tokio"), "{:?}", runtime_crates());
    let types = adapter_types();
    assert!(
        types.contains(&"PerCore") && types.contains(&"Compio"),
        "{types:?}"
    );
    assert!(sources().len() > 50, "{} files", sources().len());
    assert_eq!(
        code("let a = \"tokio::spawn\"; // smol::block_on\nb"),
        "let a = \"\"; \nb"
    );
    assert_eq!(
        code("fn f<'a>(c: char) -> bool { c == '\\'' }"),
        "fn f<'a>(c: char) -> bool { c == '' }"
    );
}
