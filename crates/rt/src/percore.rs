//! [`PerCoreBase`]: what a current-thread runtime states to be the base of a thread-per-core flavor.

use crate::{Io, Process, RuntimeInfo};

/// A current-thread runtime that can be the base of a [`Flavor::ThreadPerCore`](crate::Flavor) runtime:
/// one instance of it per worker thread.
///
/// The flavor itself is generic (`rosetta_percore::PerCore<B>`): it creates one `B` per worker
/// with [`Runtime::create`](crate::Runtime::create), drives its own scheduler inside each one's
/// [`block_on`](crate::Runtime::block_on), and delegates time, blocking work, [`Io`] and [`Process`] to
/// `B`. All a base adapter adds is what the flavor is called: its [`RuntimeInfo`], as one constant.
///
/// A base must keep the current-thread promises, and one more: its streams, listeners, files and task
/// handles may be used from another thread running another instance of it (each operation then goes
/// to the instance of the thread that runs it), as the [`Io`] trait's `Send` bounds already say.
///
/// # Examples
///
/// ```
/// use rosetta_rt::{Flavor, PerCoreBase, RuntimeInfo};
///
/// fn describe<B: PerCoreBase>() -> String {
///     let info: RuntimeInfo = B::PER_CORE;
///     assert_eq!(info.flavor, Flavor::ThreadPerCore);
///     format!("{} ({})", info.id, info.model)
/// }
/// # fn main() {}
/// ```
pub trait PerCoreBase: Io + Process {
    /// The thread-per-core flavor's [`RuntimeInfo`]: its id (`compio-tpc`), name, notes, driver and
    /// model, with [`Flavor::ThreadPerCore`](crate::Flavor::ThreadPerCore) as its flavor.
    const PER_CORE: RuntimeInfo;
}
