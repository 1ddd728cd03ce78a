//! `async with`: async setup, a body, and async teardown that runs even when the body fails or panics.
//!
//! ```python
//! class AsyncAdd:
//!     async def __aenter__(self):
//!         await asyncio.sleep(1.0)
//!         return self.a + self.b
//!     async def __aexit__(self, exc_type, exc, tb):
//!         pass
//!
//! async with AsyncAdd(1, 2) as result:
//!     print(result)
//! ```
//!
//! Rust has no async `Drop`: a destructor cannot await, so teardown that must await cannot live in
//! `Drop`. The honest pattern is a scope function: [`async_with`] awaits
//! [`aenter`](AsyncContextManager::aenter), runs the body, and awaits
//! [`aexit`](AsyncContextManager::aexit) with how the body ended ([`Exit`]), whether it returned `Ok`,
//! returned `Err`, or panicked; then it returns the body's result, or resumes the panic.
//!
//! Error precedence is Python's: an exception raised in `__aexit__` replaces the body's, whatever the
//! body's was. So a failing `aexit` gives [`WithError::Exit`] whether the body returned `Ok`, returned
//! `Err`, or panicked (the panic is then not resumed, as Python keeps the body's exception only as the
//! new one's `__context__`).
//!
//! **A difference, kept on purpose: a cancelled body runs no `aexit`.** If the whole `async_with` future
//! is dropped while the body is suspended (its task is cancelled, a `wait_for` times out), nothing can
//! await `aexit` any more: Rust has no async `Drop`, and `async_with` belongs to no runtime it could
//! spawn the teardown on (the manager is borrowed by the future being dropped, too). CPython throws
//! `CancelledError` into the body and still awaits `__aexit__`. Here the manager is dropped, so put
//! teardown that must happen even then into the manager's `Drop` (synchronous), or spawn it as a task
//! from there. The conformance test `async_with_cancelled_body_drops_the_manager_without_aexit` holds
//! this.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use rosetta_asyncio::{AsyncContextManager, Exit, Runtime, async_with};
//!
//! struct AsyncAdd<R> { a: i32, b: i32, rt: std::marker::PhantomData<R> }
//!
//! impl<R: Runtime> AsyncContextManager for AsyncAdd<R> {
//!     type Value = i32;
//!     type Error = std::convert::Infallible;
//!
//!     async fn aenter(&mut self) -> Result<i32, Self::Error> {
//!         R::sleep(Duration::from_millis(10)).await;
//!         Ok(self.a + self.b)
//!     }
//!
//!     async fn aexit(&mut self, _exit: Exit<'_>) -> Result<(), Self::Error> {
//!         Ok(())
//!     }
//! }
//!
//! async fn demo<R: Runtime>() -> i32 {
//!     let add = AsyncAdd::<R> { a: 1, b: 2, rt: Default::default() };
//!     async_with(add, |result| async move { Ok::<_, std::convert::Infallible>(result) }).await.unwrap()
//! }
//! # use rosetta_runtimes::rosetta_tokio::TokioCurrentThread as Rt;
//! # let rt = Rt::create(&Default::default()).unwrap();
//! assert_eq!(rt.block_on(demo::<Rt>()), 3);
//! # rt.close();
//! ```
//!
//! # Per-runtime notes
//!
//! - Nothing here touches the runtime; it behaves the same on every one. Only `aenter`/`aexit` bodies
//!   that await timers or tasks do.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, resume_unwind};

use futures_lite::FutureExt;

/// How the body of an [`async_with`] ended, as `__aexit__`'s `(exc_type, exc, tb)` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit<'a> {
    /// The body returned `Ok`.
    Completed,
    /// The body returned `Err`; its message.
    Failed(&'a str),
    /// The body panicked; the panic's message.
    Panicked(&'a str),
}

/// A resource with async setup and async teardown (a class with `__aenter__` and `__aexit__`).
pub trait AsyncContextManager {
    /// What the body gets (the `as` target).
    type Value;
    /// What setup or teardown can fail with.
    type Error;

    /// Sets the resource up (`__aenter__`). If it fails, neither the body nor `aexit` runs.
    fn aenter(&mut self) -> impl Future<Output = Result<Self::Value, Self::Error>>;

    /// Tears the resource down (`__aexit__`), told how the body ended. Runs whenever `aenter` succeeded.
    fn aexit(&mut self, exit: Exit<'_>) -> impl Future<Output = Result<(), Self::Error>>;
}

/// Why an [`async_with`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WithError<E, C> {
    /// `aenter` failed; the body did not run.
    #[error("entering the context failed")]
    Enter(C),
    /// The body returned `Err`; `aexit` ran and succeeded.
    #[error("the body of the context failed")]
    Body(E),
    /// `aexit` failed. As in Python, its error replaces the body's, whether the body returned `Err` or
    /// panicked.
    #[error("exiting the context failed")]
    Exit(C),
}

/// `async with manager as value: body(value)`.
///
/// Awaits `aenter`, runs `body` with its value, awaits `aexit` with how the body ended, and returns the
/// body's value. A panic in the body is resumed after `aexit` has run, unless `aexit` failed: its error
/// then replaces the panic, as in Python.
///
/// # Errors
///
/// [`WithError`]: setup failed, the body failed, or teardown failed.
pub async fn async_with<C, F, Fut, T, E>(
    mut manager: C,
    body: F,
) -> Result<T, WithError<E, C::Error>>
where
    C: AsyncContextManager,
    F: FnOnce(C::Value) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: fmt::Display,
{
    let value = manager.aenter().await.map_err(WithError::Enter)?;
    let outcome = AssertUnwindSafe(body(value)).catch_unwind().await;
    let exited = match &outcome {
        Ok(Ok(_)) => manager.aexit(Exit::Completed).await,
        Ok(Err(error)) => manager.aexit(Exit::Failed(&error.to_string())).await,
        Err(payload) => {
            let message = rosetta_rt::panic_message(payload.as_ref());
            manager.aexit(Exit::Panicked(&message)).await
        }
    };
    match (outcome, exited) {
        // `__aexit__`'s exception replaces the body's, a panic included.
        (_, Err(error)) => Err(WithError::Exit(error)),
        (Err(payload), Ok(())) => resume_unwind(payload),
        (Ok(Ok(value)), Ok(())) => Ok(value),
        (Ok(Err(error)), Ok(())) => Err(WithError::Body(error)),
    }
}
