//! The registry of runtimes: the one list that the CLI, the tests, the benches and the docs read.
//!
//! Each runtime is one line of [`for_each_runtime!`]: the module name its conformance tests get, and the
//! adapter type that implements [`Runtime`]. Everything else is derived from that line: [`RUNTIMES`],
//! [`visit`] (run generic code on the runtime an id names), [`conformance!`] (stamp tests into one module
//! per runtime) and the benches' runtime loops.
//!
//! # Examples
//!
//! ```
//! use rosetta_runtimes::{Runtime, RuntimeVisitor, visit};
//!
//! /// Spawns a task on whichever runtime the visitor is given.
//! struct Answer;
//!
//! impl RuntimeVisitor for Answer {
//!     type Output = u32;
//!
//!     fn visit<R: Runtime>(self) -> u32 {
//!         let rt = R::create(&Default::default()).expect("runtime");
//!         let answer = rt.block_on(async { R::spawn(async { 42 }).await.expect("no panic") });
//!         rt.close();
//!         answer
//!     }
//! }
//!
//! for info in rosetta_runtimes::RUNTIMES {
//!     assert_eq!(visit(info.id, Answer).unwrap(), 42);
//! }
//! assert!(visit("trio", Answer).is_err());
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use rosetta_ids::Registry;
pub use rosetta_rt::{self, Config, Flavor, Io, JoinError, Runtime, RuntimeInfo};

// The adapter crates, re-exported so that the registry's macros can name them from any crate.
#[doc(hidden)]
pub use {
    rosetta_async_std, rosetta_compio, rosetta_monoio, rosetta_percore, rosetta_smol, rosetta_tokio,
};

// The README's Rust blocks are doctests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

pub mod testing;

mod versions {
    include!(concat!(env!("OUT_DIR"), "/versions.rs"));
}

pub use versions::RUSTC_VERSION;

/// Calls the macro `callback` with the list of runtimes: **the** registry.
///
/// The callback receives `[args] module => AdapterType; ...`, one entry per runtime, in the order
/// reports print them. To add a runtime, write its adapter crate (one type implementing [`Runtime`]),
/// add it to this crate's dependencies and re-exports, and add its line here.
///
/// ```
/// macro_rules! count {
///     ([] $($module:ident => $ty:ty;)*) => { [$(stringify!($module)),*].len() };
/// }
/// assert_eq!(rosetta_runtimes::for_each_runtime!([count]), rosetta_runtimes::RUNTIMES.len());
/// ```
#[macro_export]
macro_rules! for_each_runtime {
    ([$($callback:tt)*] $($args:tt)*) => {
        $($callback)*! {
            [$($args)*]
            tokio => $crate::rosetta_tokio::TokioCurrentThread;
            tokio_mt => $crate::rosetta_tokio::TokioMultiThread;
            smol => $crate::rosetta_smol::Smol;
            smol_mt => $crate::rosetta_smol::SmolMultiThread;
            async_std => $crate::rosetta_async_std::AsyncStd;
            compio => $crate::rosetta_compio::Compio;
            compio_tpc => $crate::rosetta_percore::PerCore<$crate::rosetta_compio::Compio>;
            monoio => $crate::rosetta_monoio::Monoio;
            monoio_tpc => $crate::rosetta_percore::PerCore<$crate::rosetta_monoio::Monoio>;
        }
    };
}

/// Stamps tests into one module per runtime, each with `type Rt` set to that runtime's adapter.
///
/// Like tokio's `rt_test!`: every test written once inside shows up once per runtime id, as
/// `tokio::name`, `tokio_mt::name`, `smol::name`, `smol_mt::name`, `async_std::name`, `compio::name`,
/// `monoio::name`. The modules `use super::*`, so helpers and imports of the test file are in scope.
///
/// ```
/// rosetta_runtimes::conformance! {
///     pub fn id() -> &'static str {
///         <Rt as rosetta_runtimes::Runtime>::INFO.id
///     }
/// }
/// # fn main() {
/// assert_eq!(smol_mt::id(), "smol-mt");
/// # }
/// ```
#[macro_export]
macro_rules! conformance {
    ($($tests:tt)*) => {
        $crate::for_each_runtime!([$crate::__conformance_modules] { $($tests)* });
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_modules {
    ([$tests:tt] $($module:ident => $ty:ty;)*) => {
        $(
            mod $module {
                #[allow(unused_imports, reason = "the tests may not need every import of their file")]
                use super::*;
                /// The runtime this module's tests run on.
                #[allow(dead_code, reason = "a test may not name the runtime")]
                type Rt = $ty;
                $crate::__unbrace!($tests);
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __unbrace {
    ({ $($tokens:tt)* }) => { $($tokens)* };
}

/// Generic code to run on the runtime an id names; see [`visit`].
pub trait RuntimeVisitor {
    /// What the visit returns.
    type Output;

    /// Runs with `R` as the runtime.
    fn visit<R: Runtime>(self) -> Self::Output;
}

/// Generic code that also does I/O, to run on the runtime an id names; see [`visit_io`].
///
/// Every runtime of the registry implements [`Io`] as well as [`Runtime`]: a visitor of this kind
/// reaches both.
pub trait IoVisitor {
    /// What the visit returns.
    type Output;

    /// Runs with `R` as the runtime.
    fn visit<R: Runtime + Io>(self) -> Self::Output;
}

/// An id that names no runtime; its message lists the valid ones.
pub type UnknownRuntime = rosetta_ids::Unknown<RuntimeInfo>;

macro_rules! registry {
    ([] $($module:ident => $ty:ty;)*) => {
        /// Every runtime, in registry order.
        pub const RUNTIMES: &[RuntimeInfo] = &[$(<$ty as Runtime>::INFO),*];

        /// Runs `visitor` with the runtime whose id is `id`.
        ///
        /// # Errors
        ///
        /// [`UnknownRuntime`] if no runtime has that id; its message lists the valid ones.
        pub fn visit<V: RuntimeVisitor>(id: &str, visitor: V) -> Result<V::Output, UnknownRuntime> {
            $(
                if id == <$ty as Runtime>::INFO.id {
                    return Ok(visitor.visit::<$ty>());
                }
            )*
            Err(REGISTRY.unknown(id))
        }

        /// Runs `visitor`, which does I/O, with the runtime whose id is `id`.
        ///
        /// # Errors
        ///
        /// [`UnknownRuntime`] if no runtime has that id; its message lists the valid ones.
        pub fn visit_io<V: IoVisitor>(id: &str, visitor: V) -> Result<V::Output, UnknownRuntime> {
            $(
                if id == <$ty as Runtime>::INFO.id {
                    return Ok(visitor.visit::<$ty>());
                }
            )*
            Err(REGISTRY.unknown(id))
        }

        /// How many worker threads the runtime `id` runs with `config`, if the id is known.
        pub fn worker_threads(id: &str, config: &Config) -> Option<usize> {
            $(
                if id == <$ty as Runtime>::INFO.id {
                    return Some(<$ty as Runtime>::worker_threads(config));
                }
            )*
            None
        }
    };
}

for_each_runtime!([registry]);

/// The runtimes as a registry of ids: lookup, selection, and errors that list the valid ids.
pub static REGISTRY: Registry<RuntimeInfo> =
    Registry::new("runtime", "runtimes", RUNTIMES, |info| info.id);

/// The ids of every runtime, in registry order.
pub fn ids() -> Vec<&'static str> {
    REGISTRY.ids()
}

/// The runtime whose id is `id`.
///
/// # Errors
///
/// [`UnknownRuntime`] if no runtime has that id.
pub fn lookup(id: &str) -> Result<&'static RuntimeInfo, UnknownRuntime> {
    REGISTRY.find(id)
}

/// Parses a runtime selection: `all`, or ids separated by commas, in the order given, without repeats.
///
/// # Errors
///
/// [`UnknownRuntime`] for the first id that names no runtime.
///
/// ```
/// let picked = rosetta_runtimes::select("smol, tokio").unwrap();
/// assert_eq!(picked.iter().map(|info| info.id).collect::<Vec<_>>(), ["smol", "tokio"]);
/// assert_eq!(rosetta_runtimes::select("all").unwrap().len(), rosetta_runtimes::RUNTIMES.len());
/// assert!(rosetta_runtimes::select("tokio,uvloop").is_err());
/// ```
pub fn select(selection: &str) -> Result<Vec<&'static RuntimeInfo>, UnknownRuntime> {
    REGISTRY.select(selection)
}

/// The version of a package in the workspace's `Cargo.lock` (e.g. `"tokio"`), if it is locked.
pub fn locked_version(package: &str) -> Option<&'static str> {
    versions::LOCKED
        .binary_search_by(|(name, _)| (*name).cmp(package))
        .ok()
        .map(|index| versions::LOCKED[index].1)
}

/// The locked version of the crate that implements `info`'s runtime, or `"unknown"`.
pub fn runtime_version(info: &RuntimeInfo) -> &'static str {
    locked_version(info.runtime_crate).unwrap_or("unknown")
}

/// The crates `info`'s runtime is made of, in the order reports print them: its runtime crate, then
/// the crates of its own family it is assembled from (its dependencies in `Cargo.lock`, transitively,
/// named `async-*` or after the runtime crate: `async-executor` and `async-io` under smol,
/// `async-global-executor` under async-std).
///
/// ```
/// let smol = rosetta_runtimes::lookup("smol").unwrap();
/// let crates = rosetta_runtimes::crates_of(smol);
/// assert_eq!(crates[0], "smol");
/// assert!(crates.contains(&"async-executor"));
/// ```
pub fn crates_of(info: &RuntimeInfo) -> Vec<&'static str> {
    let family = |name: &str| {
        name.starts_with("async-")
            || name
                .strip_prefix(info.runtime_crate)
                .is_some_and(|rest| rest.starts_with('-'))
    };
    let mut crates: Vec<&'static str> = Vec::new();
    let mut next = 0;
    if let Some((name, _)) = locked_dependencies(info.runtime_crate) {
        crates.push(name);
    }
    while let Some(&name) = crates.get(next) {
        next += 1;
        for dependency in locked_dependencies(name).map_or(&[][..], |(_, deps)| deps) {
            if family(dependency) && !crates.contains(dependency) {
                crates.push(dependency);
            }
        }
    }
    crates
}

/// Every crate the registry's runtimes are made of, each once, with its locked version: the runtimes in
/// registry order, each followed by the crates under it ([`crates_of`]). The versions every report
/// states.
pub fn runtime_crate_versions() -> Vec<(&'static str, &'static str)> {
    let mut crates: Vec<(&'static str, &'static str)> = Vec::new();
    for info in RUNTIMES {
        for name in crates_of(info) {
            if !crates.iter().any(|(seen, _)| *seen == name) {
                crates.push((name, locked_version(name).unwrap_or("unknown")));
            }
        }
    }
    crates
}

/// A locked package's name and its direct dependencies.
fn locked_dependencies(package: &str) -> Option<(&'static str, &'static [&'static str])> {
    versions::DEPENDENCIES
        .binary_search_by(|(name, _)| (*name).cmp(package))
        .ok()
        .map(|index| versions::DEPENDENCIES[index])
}
