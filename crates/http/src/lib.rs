//! hyper 1.x over the runtime trait: one HTTP stack for every runtime of the registry.
//!
//! [`rt`] gives hyper its runtime seams (`hyper::rt::Read`/`Write`, `Executor`, `Timer`) over the
//! [`Runtime`](rosetta_rt::Runtime) and [`Io`](rosetta_rt::Io) traits, written once; the crawler's
//! client and fixture site (in the scenarios) and [`server`], the HTTP server the network workloads
//! measure, are built on it. This crate names no runtime: a server on a runtime's own API lives with the
//! other native code, and shares [`server::serve_connection`] with the one here.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod rt;
pub mod server;

pub use rt::{Compat, Exec, HyperStream, Sleep, Sleeper};
pub use server::{Settings, serve_connection, serve_over_trait, serve_over_trait_with};
