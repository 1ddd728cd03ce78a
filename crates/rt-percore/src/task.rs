//! The flavor's task handle: an `async-task` task placed on a worker, or the base runtime's handle
//! of a blocking closure.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use rosetta_rt::{AsyncCancel, AsyncCancelTask, JoinError, JoinHandle, RawTask};

/// A task placed on a worker, as [`AsyncCancelTask`] drives it.
#[derive(Debug)]
pub struct PlacedTask<T>(pub(crate) async_task::Task<T>);

impl<T> Future for PlacedTask<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T: Send + 'static> AsyncCancel<T> for PlacedTask<T> {
    fn cancel_and_wait(self) -> Pin<Box<dyn Future<Output = Option<T>> + Send>> {
        // Cancelling schedules the task on its worker, which drops its future there.
        Box::pin(self.0.cancel())
    }

    fn detach(self) {
        self.0.detach();
    }
}

/// The base runtime's handle of a blocking closure, detached when dropped.
#[derive(Debug)]
pub struct BaseBlocking<T, R: RawTask<T>>(Option<JoinHandle<T, R>>);

impl<T, R: RawTask<T>> BaseBlocking<T, R> {
    pub(crate) fn new(handle: JoinHandle<T, R>) -> Self {
        BaseBlocking(Some(handle))
    }
}

impl<T, R: RawTask<T>> Drop for BaseBlocking<T, R> {
    fn drop(&mut self) {
        // The flavor's own handle has cancelled it already if it had to: dropping the raw task detaches.
        if let Some(handle) = self.0.take() {
            handle.detach();
        }
    }
}

/// The raw task of the thread-per-core flavor: a task placed on a worker, or a blocking closure run
/// by the base runtime's pool.
#[derive(Debug)]
pub enum PerCoreTask<T: Send + 'static, R: RawTask<T>> {
    /// A spawned future, or a blocking closure relayed through a worker.
    Placed(AsyncCancelTask<PlacedTask<T>, T>),
    /// A blocking closure started on a thread with a base runtime.
    Blocking(BaseBlocking<T, R>),
}

impl<T: Send + 'static, R: RawTask<T>> RawTask<T> for PerCoreTask<T, R> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        match self {
            PerCoreTask::Placed(task) => task.poll_join(cx),
            PerCoreTask::Blocking(BaseBlocking(Some(handle))) => Pin::new(handle).poll(cx),
            PerCoreTask::Blocking(BaseBlocking(None)) => {
                unreachable!("a blocking handle is only taken when dropped")
            }
        }
    }

    fn abort(&mut self) {
        match self {
            PerCoreTask::Placed(task) => task.abort(),
            PerCoreTask::Blocking(BaseBlocking(Some(handle))) => handle.abort(),
            PerCoreTask::Blocking(BaseBlocking(None)) => {}
        }
    }

    fn is_finished(&mut self) -> bool {
        match self {
            PerCoreTask::Placed(task) => task.is_finished(),
            PerCoreTask::Blocking(BaseBlocking(Some(handle))) => handle.is_finished(),
            PerCoreTask::Blocking(BaseBlocking(None)) => true,
        }
    }
}
