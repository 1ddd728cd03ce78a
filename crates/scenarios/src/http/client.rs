//! A client session over the trait (aiohttp's `ClientSession`): GET with redirects followed, over
//! keep-alive HTTP/1.1 connections that every request of the program shares.
//!
//! hyper-util's pooled client needs tokio; this pool is the small part of it a crawler needs, over
//! hyper's own `client::conn::http1`: idle connections kept per address, a request takes one that is
//! still open or dials a new one, and gives it back once its body is read. A request sent on an idle
//! connection the server closed meanwhile is tried once more on a fresh one, as aiohttp does.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::rt::Executor;
use rosetta_rt::Io;

use rosetta_http::{Compat, Exec};

/// The most redirects followed for one request (aiohttp's `max_redirects`).
pub const MAX_REDIRECTS: usize = 10;

/// The largest body read (a bound of the port; aiohttp sets none): 64 MiB.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// Why a GET gave no page.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not an absolute `http://` URL (aiohttp's `InvalidURL`).
    #[error("invalid URL {url}: {why}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// No connection could be made (aiohttp's `ClientConnectorError`).
    #[error("cannot connect to {addr}: {error}")]
    Connect {
        /// Where.
        addr: String,
        /// Why.
        error: std::io::Error,
    },
    /// The connection failed during the exchange (aiohttp's `ServerDisconnectedError`,
    /// `ClientPayloadError`).
    #[error("{0}")]
    Http(#[from] hyper::Error),
    /// The body was over [`MAX_BODY`].
    #[error("the body is over {MAX_BODY} bytes")]
    TooLarge,
    /// More than [`MAX_REDIRECTS`] redirects (aiohttp's `TooManyRedirects`).
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
}

/// A page: the final status and the whole body.
#[derive(Debug, Clone)]
pub struct Page {
    /// The status of the last response (after redirects).
    pub status: hyper::StatusCode,
    /// The body.
    pub body: Bytes,
}

type Sender = SendRequest<Empty<Bytes>>;

/// A client session of `R`: one pool of keep-alive connections for every request made through it.
///
/// Cheap to clone: clones share the pool.
#[derive(Debug)]
pub struct Session<R> {
    idle: Arc<Mutex<HashMap<SocketAddr, Vec<Sender>>>>,
    runtime: PhantomData<fn() -> R>,
}

impl<R> Clone for Session<R> {
    fn clone(&self) -> Self {
        Session {
            idle: Arc::clone(&self.idle),
            runtime: PhantomData,
        }
    }
}

impl<R> Default for Session<R> {
    fn default() -> Self {
        Session {
            idle: Arc::default(),
            runtime: PhantomData,
        }
    }
}

impl<R: Io> Session<R> {
    /// A session with no connections yet.
    pub fn new() -> Self {
        Session::default()
    }

    /// `GET url`, following redirects; the body read whole.
    ///
    /// # Errors
    ///
    /// [`FetchError`]: a URL that is not an absolute `http://` one, no connection, a connection lost
    /// mid-exchange, too many redirects, a body over [`MAX_BODY`]. A status of 400 or more is not an
    /// error here (it is `raise_for_status`'s to say).
    pub async fn get(&self, url: &str) -> Result<Page, FetchError> {
        let mut current = parse(url)?;
        for _ in 0..=MAX_REDIRECTS {
            let page = self.get_once(&current).await?;
            let location = page.location.filter(|_| page.status.is_redirection());
            match location {
                Some(location) => {
                    current = current
                        .join(&location)
                        .map_err(|error| FetchError::InvalidUrl {
                            url: location.clone(),
                            why: error.to_string(),
                        })?;
                }
                None => {
                    return Ok(Page {
                        status: page.status,
                        body: page.body,
                    });
                }
            }
        }
        Err(FetchError::TooManyRedirects)
    }

    /// One exchange, no redirect followed.
    async fn get_once(&self, url: &url::Url) -> Result<Exchange, FetchError> {
        let addr = resolve::<R>(url).await?;
        if let Some(sender) = self.take_idle(addr).await {
            match self.exchange(addr, sender, url).await {
                // The server closed the idle connection meanwhile: once more on a fresh one.
                Err(FetchError::Http(error))
                    if error.is_canceled() || error.is_incomplete_message() => {}
                outcome => return outcome,
            }
        }
        let sender = self.dial(addr).await?;
        self.exchange(addr, sender, url).await
    }

    /// An idle connection to `addr` that is still open, if there is one.
    async fn take_idle(&self, addr: SocketAddr) -> Option<Sender> {
        loop {
            let candidate = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_mut(&addr)
                .and_then(Vec::pop)?;
            let mut sender = candidate;
            if sender.ready().await.is_ok() {
                return Some(sender);
            }
        }
    }

    /// A new connection to `addr`, its driver spawned as a task.
    async fn dial(&self, addr: SocketAddr) -> Result<Sender, FetchError> {
        let stream = R::connect(addr)
            .await
            .map_err(|error| FetchError::Connect {
                addr: addr.to_string(),
                error,
            })?;
        // As aiohttp's connector does; a failure only costs latency.
        let _ = R::set_nodelay(&stream, true);
        let (sender, connection) = http1::handshake(Compat::new(stream)).await?;
        Exec::<R>::new().execute(async move {
            // The connection's end is each request's to report.
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends the GET on `sender`, reads the whole body, and gives the connection back to the pool.
    async fn exchange(
        &self,
        addr: SocketAddr,
        mut sender: Sender,
        url: &url::Url,
    ) -> Result<Exchange, FetchError> {
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let request = hyper::Request::get(target.as_str())
            .header(hyper::header::HOST, host)
            .body(Empty::new())
            .map_err(|error| FetchError::InvalidUrl {
                url: url.to_string(),
                why: error.to_string(),
            })?;
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        let location = response
            .headers()
            .get(hyper::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|error| match error.downcast::<hyper::Error>() {
                Ok(error) => FetchError::Http(*error),
                Err(_) => FetchError::TooLarge,
            })?
            .to_bytes();
        if !sender.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(addr)
                .or_default()
                .push(sender);
        }
        Ok(Exchange {
            status,
            location,
            body,
        })
    }
}

/// One response, before redirects are followed.
struct Exchange {
    status: hyper::StatusCode,
    location: Option<String>,
    body: Bytes,
}

/// `url` as an absolute `http://` URL with a host.
fn parse(url: &str) -> Result<url::Url, FetchError> {
    let invalid = |why: String| FetchError::InvalidUrl {
        url: url.to_owned(),
        why,
    };
    let parsed = url::Url::parse(url).map_err(|error| invalid(error.to_string()))?;
    if parsed.scheme() != "http" {
        return Err(invalid(format!(
            "the scheme is {:?}; only http:// is supported",
            parsed.scheme()
        )));
    }
    if parsed.host().is_none() {
        return Err(invalid("no host".to_owned()));
    }
    Ok(parsed)
}

/// The address `url` names: an IP literal as is, a name looked up on the blocking pool.
async fn resolve<R: Io>(url: &url::Url) -> Result<SocketAddr, FetchError> {
    let port = url.port_or_known_default().unwrap_or(80);
    let host = url.host_str().unwrap_or_default().to_owned();
    let connect_error = |error: std::io::Error| FetchError::Connect {
        addr: format!("{host}:{port}"),
        error,
    };
    match url.host() {
        Some(url::Host::Ipv4(ip)) => Ok(SocketAddr::from((ip, port))),
        Some(url::Host::Ipv6(ip)) => Ok(SocketAddr::from((ip, port))),
        _ => {
            let name = host.clone();
            let found = R::spawn_blocking(move || {
                (name.as_str(), port)
                    .to_socket_addrs()
                    .map(|mut addrs| addrs.next())
            })
            .await
            .map_err(|error| connect_error(std::io::Error::other(error.to_string())))?
            .map_err(connect_error)?;
            found.ok_or_else(|| {
                connect_error(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the name has no address",
                ))
            })
        }
    }
}
