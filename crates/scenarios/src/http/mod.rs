//! HTTP for the crawler (`areq`), over the trait: hyper driven through `rosetta-http`'s `hyper::rt`
//! glue, written once for every runtime.
//!
//! [`client`] is a keep-alive client session shared by every request of a program (aiohttp's
//! `ClientSession`), and [`fixture`] the site the crawler scenario reads, served on 127.0.0.1.

pub mod client;
pub mod fixture;
