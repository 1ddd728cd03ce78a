//! The raw channels the `queue` group sets beside the toolkit `Queue`: `tokio::sync::mpsc`,
//! `async-channel` and `flume`, each used the way its docs show.
//!
//! [`Channel`] only names the four operations the workload needs, so that each runtime's channel
//! workload is written once for every channel; it is statically dispatched, and each method is the
//! channel's own call.

use std::future::Future;

use crate::workload::QUEUE_BOUND;

/// One channel crate's sending end, receiving end, and their four operations.
pub(super) trait Channel: 'static {
    /// The sending end; each producer holds a clone.
    type Tx: Clone + Send + 'static;
    /// The receiving end.
    type Rx: Send + 'static;

    /// A channel of `bound` items, or unbounded.
    fn open(bound: Option<usize>) -> (Self::Tx, Self::Rx);

    /// The receiving ends of `consumers` consumers (clones of `rx`; a single-consumer channel gives
    /// `rx` alone).
    fn receivers(rx: Self::Rx, consumers: usize) -> Vec<Self::Rx>;

    /// Sends `item`, waiting while the channel is full; `false` if every receiver is gone.
    fn send(tx: &Self::Tx, item: u64) -> impl Future<Output = bool> + Send + '_;

    /// Receives the next item, or `None` once every sender is gone and the channel is empty.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// A channel consumer: receives until every sender is gone; returns the count and the sum.
pub(super) async fn consume<C: Channel>(mut rx: C::Rx) -> (u64, u64) {
    let (mut count, mut sum) = (0_u64, 0_u64);
    while let Some(item) = C::recv(&mut rx).await {
        count += 1;
        sum += item;
    }
    (count, sum)
}

/// A channel producer: sends its share of the items; `false` if every receiver went away first.
pub(super) async fn produce<C: Channel>(tx: C::Tx, items: std::ops::Range<u64>) -> bool {
    for item in items {
        if !C::send(&tx, item).await {
            return false;
        }
    }
    true
}

/// `tokio::sync::mpsc::channel`, bounded.
pub(super) struct Mpsc;

/// `tokio::sync::mpsc::unbounded_channel`.
pub(super) struct MpscUnbounded;

/// `async_channel::bounded` or `unbounded`.
pub(super) struct AsyncChannel;

/// `flume::bounded` or `unbounded`.
pub(super) struct Flume;

impl Channel for Mpsc {
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;

    fn open(bound: Option<usize>) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(bound.unwrap_or(QUEUE_BOUND))
    }

    fn receivers(rx: Self::Rx, _consumers: usize) -> Vec<Self::Rx> {
        vec![rx]
    }

    async fn send(tx: &Self::Tx, item: u64) -> bool {
        tx.send(item).await.is_ok()
    }

    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        rx.recv()
    }
}

impl Channel for MpscUnbounded {
    type Tx = tokio::sync::mpsc::UnboundedSender<u64>;
    type Rx = tokio::sync::mpsc::UnboundedReceiver<u64>;

    fn open(_bound: Option<usize>) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::unbounded_channel()
    }

    fn receivers(rx: Self::Rx, _consumers: usize) -> Vec<Self::Rx> {
        vec![rx]
    }

    fn send(tx: &Self::Tx, item: u64) -> impl Future<Output = bool> + Send + '_ {
        std::future::ready(tx.send(item).is_ok())
    }

    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        rx.recv()
    }
}

impl Channel for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;

    fn open(bound: Option<usize>) -> (Self::Tx, Self::Rx) {
        match bound {
            Some(bound) => async_channel::bounded(bound),
            None => async_channel::unbounded(),
        }
    }

    fn receivers(rx: Self::Rx, consumers: usize) -> Vec<Self::Rx> {
        vec![rx; consumers]
    }

    async fn send(tx: &Self::Tx, item: u64) -> bool {
        tx.send(item).await.is_ok()
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

impl Channel for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;

    fn open(bound: Option<usize>) -> (Self::Tx, Self::Rx) {
        match bound {
            Some(bound) => flume::bounded(bound),
            None => flume::unbounded(),
        }
    }

    fn receivers(rx: Self::Rx, consumers: usize) -> Vec<Self::Rx> {
        vec![rx; consumers]
    }

    async fn send(tx: &Self::Tx, item: u64) -> bool {
        tx.send_async(item).await.is_ok()
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
}

/// Calls `$run::<C>($args)` with the [`Channel`] that `$kind` and `$bounded` name: each runtime's
/// native module picks its channel workload this way.
macro_rules! with_channel {
    ($kind:expr, $bounded:expr, $run:ident($($args:expr),*)) => {
        match ($kind, $bounded) {
            ($crate::workload::ChannelKind::Mpsc, true) => $run::<$crate::native::channel::Mpsc>($($args),*).await,
            ($crate::workload::ChannelKind::Mpsc, false) => {
                $run::<$crate::native::channel::MpscUnbounded>($($args),*).await
            }
            ($crate::workload::ChannelKind::AsyncChannel, _) => {
                $run::<$crate::native::channel::AsyncChannel>($($args),*).await
            }
            ($crate::workload::ChannelKind::Flume, _) => $run::<$crate::native::channel::Flume>($($args),*).await,
        }
    };
}

pub(super) use with_channel;
