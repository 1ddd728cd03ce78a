//! Records the versions of every locked crate and of rustc, so that `list` and every report can say
//! exactly what was measured.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let lock = manifest_dir
        .ancestors()
        .map(|dir| dir.join("Cargo.lock"))
        .find(|path| path.is_file());
    let (mut packages, mut dependencies) = match &lock {
        Some(path) => {
            println!("cargo:rerun-if-changed={}", path.display());
            locked_packages(path)
        }
        None => (Vec::new(), Vec::new()),
    };
    dependencies.sort();
    dependencies.dedup_by(|a, b| a.0 == b.0);
    packages.sort();
    packages.dedup_by(|a, b| a.0 == b.0);

    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|version| version.trim().to_owned())
        .unwrap_or_else(|| "rustc (unknown version)".into());

    let mut out = String::new();
    writeln!(out, "/// `rustc -V` of the compiler that built this crate.").unwrap();
    writeln!(out, "pub const RUSTC_VERSION: &str = {rustc_version:?};").unwrap();
    writeln!(out, "/// `(name, version)` of every package in `Cargo.lock`, sorted by name (first version wins).").unwrap();
    writeln!(out, "pub(crate) const LOCKED: &[(&str, &str)] = &[").unwrap();
    for (name, version) in &packages {
        writeln!(out, "    ({name:?}, {version:?}),").unwrap();
    }
    writeln!(out, "];").unwrap();
    writeln!(out, "/// `(name, direct dependencies)` of every package in `Cargo.lock`, sorted by name (first version wins).").unwrap();
    writeln!(
        out,
        "pub(crate) const DEPENDENCIES: &[(&str, &[&str])] = &["
    )
    .unwrap();
    for (name, deps) in &dependencies {
        writeln!(out, "    ({name:?}, &{deps:?}),").unwrap();
    }
    writeln!(out, "];").unwrap();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out_dir.join("versions.rs"), out).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed=build.rs");
}

/// A package and the names of its direct dependencies.
type Dependencies = (String, Vec<String>);

/// The `name`/`version` pairs of a `Cargo.lock`, whose `[[package]]` entries start with those two keys,
/// and each package's direct dependencies (the names of its `dependencies = [...]` list).
fn locked_packages(path: &Path) -> (Vec<(String, String)>, Vec<Dependencies>) {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut packages = Vec::new();
    let mut dependencies: Vec<Dependencies> = Vec::new();
    let mut name = None;
    let mut in_dependencies = false;
    for line in text.lines() {
        let value = |key: &str| {
            line.strip_prefix(key)
                .and_then(|rest| rest.trim().strip_prefix('='))
                .map(|rest| rest.trim().trim_matches('"').to_owned())
        };
        if in_dependencies {
            if line.trim() == "]" {
                in_dependencies = false;
            } else if let Some(entry) = dependencies.last_mut() {
                // `"name"` or `"name version"` when two versions of it are locked.
                let dependency = line.trim().trim_matches(|c| c == '"' || c == ',');
                let dependency = dependency.split(' ').next().unwrap_or_default();
                entry.1.push(dependency.to_owned());
            }
        } else if line.starts_with("[[package]]") {
            name = None;
        } else if let Some(found) = value("name") {
            name = Some(found);
        } else if let (Some(version), Some(found)) = (value("version"), name.clone()) {
            dependencies.push((found.clone(), Vec::new()));
            packages.push((found, version));
        } else if line.starts_with("dependencies = [") {
            in_dependencies = true;
        }
    }
    (packages, dependencies)
}
