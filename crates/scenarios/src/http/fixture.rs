//! The fixture site the crawler reads: a hyper server over the trait on 127.0.0.1, port 0, with pages
//! made to try every path of the crawler.
//!
//! [`PAGES`] pages link to each other in every way a page can: relative, absolute, root-relative,
//! scheme-relative, with a fragment, with a query, through `..` (also past the root), and malformed
//! (an unclosed IPv6 host, a space, an empty link, a `javascript:` link). Beside them: a page that
//! answers 404 and one that answers 500, one whose connection is closed before any answer, a slow one
//! (two logical seconds, at the time scale), a redirect, one that is not UTF-8, one of 1 MiB, and, in
//! the URL list, a URL on a port where nothing listens and a line that is not a URL at all.
//!
//! The server stops by itself after its lifetime, or when its [`Fixture`] is stopped or dropped.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode, body::Incoming, header};
use rosetta_rt::{Handle, Io};

use crate::TimeScale;
use rosetta_http::{Compat, Exec, Sleeper};

/// How many linked pages the site has (`/site/p0.html` ...).
pub const PAGES: usize = 30;

/// How long the slow page takes to answer, in logical seconds.
pub const SLOW_SECONDS: f64 = 2.0;

/// The size of the big page's body.
pub const BIG_BYTES: usize = 1024 * 1024;

/// The pages beside the linked ones, by path, with what each does.
pub const SPECIAL: &[(&str, &str)] = &[
    ("/site/missing.html", "answers 404 Not Found"),
    ("/site/error.html", "answers 500 Internal Server Error"),
    (
        "/site/reset.html",
        "closes the connection without an answer",
    ),
    ("/site/slow.html", "answers after two logical seconds"),
    ("/site/redirect.html", "redirects (302) to p0.html"),
    ("/site/latin1.html", "a body that is not UTF-8"),
    ("/site/big.html", "a body of 1 MiB"),
];

/// The line of the URL list that is not a URL.
pub const NOT_A_URL: &str = "not a url";

/// Why the fixture refused to answer: the reset page's doing.
#[derive(Debug, thiserror::Error)]
#[error("the reset page closes the connection")]
pub struct Reset;

/// A running fixture site of `R`.
#[derive(Debug)]
pub struct Fixture<R: Io> {
    addr: SocketAddr,
    closed_port: u16,
    accepted: Arc<AtomicUsize>,
    server: Option<Handle<R, ()>>,
}

impl<R: Io> Fixture<R> {
    /// Binds 127.0.0.1 port 0 and serves the site, on the running loop of `R`, for at most `lifetime`.
    ///
    /// # Errors
    ///
    /// The bind's error.
    pub async fn start(scale: TimeScale, lifetime: Duration) -> io::Result<Self> {
        // A port where nothing listens: bound, read, and closed at once.
        let closed_port = {
            let probe = R::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
            R::local_addr(&probe)?.port()
        };
        let listener = R::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = R::local_addr(&listener)?;
        let deadline = Instant::now() + lifetime;
        let accepted = Arc::new(AtomicUsize::new(0));
        let server = R::spawn(serve::<R>(
            listener,
            addr,
            scale,
            deadline,
            Arc::clone(&accepted),
        ));
        Ok(Fixture {
            addr,
            closed_port,
            accepted,
            server: Some(server),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections it has accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }

    /// The URL list a crawl of the site reads: every page, linked or special, the URL on a closed port,
    /// and [`NOT_A_URL`].
    pub fn urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = (0..PAGES)
            .map(|n| format!("http://{}/site/p{n}.html", self.addr))
            .collect();
        urls.extend(
            SPECIAL
                .iter()
                .map(|(path, _)| format!("http://{}{path}", self.addr)),
        );
        urls.push(format!(
            "http://127.0.0.1:{}/site/p0.html",
            self.closed_port
        ));
        urls.push(NOT_A_URL.to_owned());
        urls
    }

    /// The URL list as a file's text, one a line.
    pub fn url_file(&self) -> String {
        self.urls().iter().map(|url| format!("{url}\n")).collect()
    }

    /// Stops serving (connections being served end with the loop).
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            let _ = server.cancel().await;
        }
    }

    /// Serves until its lifetime is over.
    pub async fn wait(mut self) {
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

/// The accept loop, until `deadline`.
async fn serve<R: Io>(
    listener: R::TcpListener,
    addr: SocketAddr,
    scale: TimeScale,
    deadline: Instant,
    connections: Arc<AtomicUsize>,
) {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        let Ok(accepted) =
            rosetta_asyncio::wait_for::<R, _>(R::accept(&listener), Some(left)).await
        else {
            return;
        };
        let Ok((stream, _peer)) = accepted else {
            // A failed accept (the peer gave up in the backlog): go on with the next.
            continue;
        };
        connections.fetch_add(1, Ordering::Relaxed);
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            answer::<R>(request, addr, scale)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(Sleeper::<R>::new())
            .serve_connection(Compat::new(stream), service);
        hyper::rt::Executor::execute(&Exec::<R>::new(), async move {
            // A connection ends as its peer or the reset page decides; nothing to report.
            let _ = connection.await;
        });
    }
}

type Answer = Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Reset>> + Send>>;

/// The answer to one request.
fn answer<R: Io>(request: Request<Incoming>, addr: SocketAddr, scale: TimeScale) -> Answer {
    let path = request.uri().path().to_owned();
    Box::pin(async move {
        let html = |status: StatusCode, body: Vec<u8>| {
            Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "text/html")
                .body(Full::new(Bytes::from(body)))
                .map_err(|_| Reset)
        };
        match path.as_str() {
            "/site/missing.html" => html(StatusCode::NOT_FOUND, b"<h1>Not Found</h1>".to_vec()),
            "/site/error.html" => html(
                StatusCode::INTERNAL_SERVER_ERROR,
                b"<h1>Internal Server Error</h1>".to_vec(),
            ),
            "/site/reset.html" => Err(Reset),
            "/site/slow.html" => {
                R::sleep(scale.real(SLOW_SECONDS)).await;
                html(StatusCode::OK, page(addr, 7).into_bytes())
            }
            "/site/redirect.html" => Response::builder()
                .status(StatusCode::FOUND)
                .header(header::LOCATION, "p0.html")
                .body(Full::new(Bytes::new()))
                .map_err(|_| Reset),
            "/site/latin1.html" => html(
                StatusCode::OK,
                b"<p>caf\xe9 cr\xe8me</p><a href=\"p1.html\">p1</a>".to_vec(),
            ),
            "/site/big.html" => html(StatusCode::OK, big(addr)),
            other => match linked_page(other) {
                Some(n) => html(StatusCode::OK, page(addr, n).into_bytes()),
                None => html(StatusCode::NOT_FOUND, b"<h1>Not Found</h1>".to_vec()),
            },
        }
    })
}

/// The number of a linked page's path (`/site/p7.html` is 7).
fn linked_page(path: &str) -> Option<usize> {
    let n: usize = path
        .strip_prefix("/site/p")?
        .strip_suffix(".html")?
        .parse()
        .ok()?;
    (n < PAGES).then_some(n)
}

/// Linked page `n`: links of every kind, to the next pages, to the special ones, and a malformed one.
pub fn page(addr: SocketAddr, n: usize) -> String {
    let next = |k: usize| (n + k) % PAGES;
    let port = addr.port();
    let mut links = vec![
        format!("p{}.html", next(1)),
        format!("http://{addr}/site/p{}.html", next(2)),
        format!("/site/p{}.html", next(3)),
        "#top".to_owned(),
        format!("p{n}.html#part-{n}"),
        format!("p{}.html?page={n}&sort=asc", next(4)),
        format!("../site/p{}.html", next(5)),
        "../../../top.html".to_owned(),
        format!("./p{}.html", next(6)),
        format!("//127.0.0.1:{port}/site/p{}.html", next(7)),
        "mailto:crawler@example.com".to_owned(),
    ];
    // One special page each, in turn.
    links.push(SPECIAL[n % SPECIAL.len()].0.to_owned());
    // And one malformed link, of five kinds in turn.
    links.push(
        match n % 5 {
            0 => "http://[::1",
            1 => "",
            2 => "javascript:void(0)",
            3 => "?only=query",
            _ => "p 1.html",
        }
        .to_owned(),
    );
    let anchors: String = links
        .iter()
        .map(|link| format!("<li><a href=\"{link}\">{link}</a></li>\n"))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><title>Page {n}</title></head><body id=\"top\">\n\
         <h1>Page {n}</h1>\n<ul>\n{anchors}</ul>\n\
         <p>An anchor written with single quotes is not a link to the pattern: \
         <a href='p{n}.html'>here</a>.</p>\n</body></html>\n"
    )
}

/// The 1 MiB page: a few links, padding, and a last link at the very end.
fn big(addr: SocketAddr) -> Vec<u8> {
    let head = format!(
        "<html><body><a href=\"p0.html\">p0</a><a href=\"http://{addr}/site/p1.html\">p1</a><pre>\n"
    );
    let tail = "</pre><a href=\"/site/the-end.html\">end</a></body></html>\n";
    let mut body = head.into_bytes();
    let padding = BIG_BYTES.saturating_sub(body.len() + tail.len());
    body.extend(std::iter::repeat_n(b'x', padding));
    body.extend_from_slice(tail.as_bytes());
    body
}

#[cfg(test)]
mod tests {
    use rosetta_rt::Runtime;

    use super::*;
    use crate::http::client::Session;

    rosetta_runtimes::conformance! {
    #[test]
    fn one_session_reuses_its_keep_alive_connection_and_follows_a_redirect() {
        let rt = Rt::create(&Default::default()).expect("a loop");
        let (connections, statuses, sizes) = rt.block_on(async {
            let fixture = Fixture::<Rt>::start(TimeScale::REAL, Duration::from_secs(30))
                .await
                .expect("the fixture binds");
            let session = Session::<Rt>::new();
            let mut statuses = Vec::new();
            let mut sizes = Vec::new();
            for path in [
                "/site/p0.html",
                "/site/p1.html",
                "/site/redirect.html",
                "/site/missing.html",
                "/site/big.html",
            ] {
                let page = session
                    .get(&format!("http://{}{path}", fixture.addr()))
                    .await
                    .expect("the fixture answers");
                statuses.push(page.status.as_u16());
                sizes.push(page.body.len());
            }
            let connections = fixture.connections();
            fixture.stop().await;
            (connections, statuses, sizes)
        });
        rt.close();
        assert_eq!(statuses, [200, 200, 200, 404, 200]);
        assert_eq!(sizes[4], BIG_BYTES);
        // The redirect's target is page 0, byte for byte.
        assert_eq!(sizes[2], sizes[0]);
        assert_eq!(
            connections, 1,
            "every request in turn on the one keep-alive connection"
        );
    }
    }
}
