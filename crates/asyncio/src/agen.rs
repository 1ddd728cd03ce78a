//! Async generators, `async for` and async comprehensions, the Rust way: a [`Stream`].
//!
//! ```python
//! async def mygen(u: int = 10):
//!     i = 0
//!     while i < u:
//!         yield 2 ** i
//!         i += 1
//!         await asyncio.sleep(0.1)
//!
//! g = [i async for i in mygen(10)]
//! f = [j async for j in mygen(20) if not (j // 3 % 5)]
//! ```
//!
//! | Python | Rust |
//! |---|---|
//! | `async def` with `yield` | [`agen!`] (`async_stream::stream!`): a block that may both `yield` and `.await` |
//! | `async for x in gen:` | `while let Some(x) = gen.next().await` ([`StreamExt::next`]) |
//! | `[x async for x in gen]` | `gen.collect::<Vec<_>>().await` |
//! | `[x async for x in gen if cond(x)]` | `gen.filter(\|x\| cond(x)).collect::<Vec<_>>().await` |
//!
//! An `agen!` block is lazy, as a Python async generator is: its body runs only while the consumer asks
//! for the next item, it stops at each `yield` until the next item is asked for, and dropping the stream
//! drops the body where it stopped (Python's `aclose()`). A stream is not `Unpin`: pin it
//! (`std::pin::pin!`) before calling `next`.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{Runtime, StreamExt, agen};
//!
//! fn mygen<R: Runtime>(u: u32) -> impl futures_lite::Stream<Item = u64> {
//!     agen! {
//!         let mut i = 0;
//!         while i < u {
//!             yield 2u64.pow(i);
//!             i += 1;
//!             R::sleep(Duration::from_millis(1)).await;
//!         }
//!     }
//! }
//!
//! async fn comprehensions<R: Runtime>() -> (Vec<u64>, Vec<u64>) {
//!     let g = mygen::<R>(10).collect::<Vec<_>>().await;
//!     let f = mygen::<R>(20).filter(|j| j / 3 % 5 == 0).collect::<Vec<_>>().await;
//!     (g, f)
//! }
//! # use rosetta_runtimes::rosetta_smol::SmolMultiThread as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! let (g, f) = rt.block_on(comprehensions::<Rt>());
//! assert_eq!(g, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
//! assert_eq!(f, [1, 2, 16, 32, 256, 512, 4096, 8192, 65536, 131072]);
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - A stream is a plain future-like value with no runtime in it: it runs on whatever task polls it, on
//!   every runtime alike. Only the `.await`s inside its body (timers) touch the runtime.

pub use async_stream::stream as agen;
pub use futures_lite::{Stream, StreamExt};
