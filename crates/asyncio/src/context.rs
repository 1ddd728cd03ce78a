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
//! What no Rust pattern can do: if the whole `async_with` future is **dropped** while the body is
//! suspended (the task is cancelled, a `wait_for` times out), nothing can await `aexit` any more. Python
//! would throw `CancelledError` into the body and still await `__aexit__`. Put teardown that must happen
//! even then into a `Drop` guard of its own (synchronous), or spawn it as a task from there.
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
    /// `aexit` failed. As in Python, its error replaces the body's.
    #[error("exiting the context failed")]
    Exit(C),
}

/// `async with manager as value: body(value)`.
///
/// Awaits `aenter`, runs `body` with its value, awaits `aexit` with how the body ended, and returns the
/// body's value. A panic in the body is resumed after `aexit` has run.
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
        (Err(payload), _) => resume_unwind(payload),
        (Ok(_), Err(error)) => Err(WithError::Exit(error)),
        (Ok(Ok(value)), Ok(())) => Ok(value),
        (Ok(Err(error)), Ok(())) => Err(WithError::Body(error)),
    }
}
