//! The machine and the versions a comparison ran with, read where the OS keeps them.

use rosetta_runtimes::RUNTIMES;

use crate::results::{Machine, RuntimeEntry, Versions};

/// This machine.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == "model name").then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|text| text.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|line| line.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some((kib / 1024.0 / 1024.0 * 10.0).round() / 10.0)
        });
    Machine {
        os: std::env::consts::OS.to_owned(),
        kernel,
        cpu,
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        memory_gib,
    }
}

/// The versions of this build (every crate the registry's runtimes are made of), of `python`, and of
/// the venv's `python_packages` (uvloop's among them, when it ran).
pub fn versions(python: Option<String>, python_packages: Vec<(String, String)>) -> Versions {
    let uvloop = python_packages
        .iter()
        .find(|(name, _)| name == "uvloop")
        .map(|(_, version)| version.clone());
    Versions {
        rustc: rosetta_runtimes::RUSTC_VERSION.to_owned(),
        async_rosetta: env!("CARGO_PKG_VERSION").to_owned(),
        crates: rosetta_runtimes::runtime_crate_versions()
            .into_iter()
            .map(|(name, version)| (name.to_owned(), version.to_owned()))
            .collect(),
        python,
        uvloop,
        python_packages,
    }
}

/// The registry's description of the runtimes with these ids, in registry order.
pub fn runtime_entries(ids: &[&str]) -> Vec<RuntimeEntry> {
    let config = rosetta_runtimes::Config::default();
    RUNTIMES
        .iter()
        .filter(|info| ids.contains(&info.id))
        .map(|info| RuntimeEntry {
            id: info.id.to_owned(),
            name: info.name.to_owned(),
            runtime_crate: info.runtime_crate.to_owned(),
            version: rosetta_runtimes::runtime_version(info).to_owned(),
            flavor: info.flavor.to_string(),
            workers: rosetta_runtimes::worker_threads(info.id, &config).unwrap_or(1),
            discontinued: info.discontinued.map(str::to_owned),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_versions_stated_are_every_runtime_crate_of_the_registry_and_what_it_is_made_of() {
        let versions = versions(None, Vec::new());
        let names: Vec<&str> = versions
            .crates
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        for info in RUNTIMES {
            for name in rosetta_runtimes::crates_of(info) {
                assert!(names.contains(&name), "{name} of {} is not stated", info.id);
            }
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a crate stated twice: {names:?}");
    }
}
