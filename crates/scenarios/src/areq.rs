//! Mirrors Real Python's `areq.py`, the walkthrough's full program: a concurrent crawler that fetches
//! every URL of a file at once through one client session, pulls the links out of each page, and
//! appends them to a file.
//!
//! The port: [`crate::http::client::Session`] (hyper over the trait, keep-alive connections shared
//! as aiohttp's session shares them) for aiohttp, the `regex` crate for `re`, the `url` crate for
//! `urllib.parse.urljoin`, [`Io::append_file`] for aiofiles. Logs go to stderr as the original's
//! `logging` writes them (`TIME LEVEL:areq: MESSAGE`).
//!
//! Without `--urls` it crawls the project's fixture site ([`crate::http::fixture`]), served for the
//! run, and ends by saying the output file's lines and the log's messages, sorted and with the site's
//! address masked: what the parity check compares with CPython's crawl of the same site.
//!
//! Where the `url` crate and `urljoin` disagree on the fixture's links (see [`urljoin_disagreements`]),
//! the parity check allows exactly that difference.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rosetta_asyncio::{Io, Runtime, gather};
use rosetta_rt::AsyncWrite;

use crate::http::client::{FetchError, Session};
use crate::http::fixture::Fixture;
use crate::{Ctx, Expect, Flavor, Line, ScenarioError, ScenarioInfo};

/// This scenario.
pub const INFO: ScenarioInfo = ScenarioInfo {
    id: "areq",
    mirrors: "areq.py (Real Python's asyncio walkthrough, its full program), seed 001",
    summary: "a concurrent crawler: every URL fetched at once through one session, links appended to a file",
    test_scale: 0.05,
    seeded: false,
    args,
    test_args: &[],
    expect,
    verify,
};

/// The most URLs a `--urls` file may list.
pub const MAX_URLS: usize = 10_000;

/// The largest `--urls` file read: 1 MiB.
pub const MAX_URL_FILE: u64 = 1024 * 1024;

/// How long the fixture is served at most, in logical seconds: far past any crawl of it.
const FIXTURE_LIFETIME: f64 = 600.0;

/// The regex of the original: `re.compile(r'href="(.*?)"')`.
const HREF: &str = r#"href="(.*?)""#;

/// The header line of the output file.
pub const HEADER: &str = "source_url\tparsed_url";

fn args() -> clap::Command {
    clap::Command::new("areq.py")
        .about(
            "Crawls every URL of a file at once and appends the links found to a file. Without --urls, \
             crawls the project's fixture site and prints what it found, sorted.",
        )
        .arg(
            clap::Arg::new("urls")
                .long("urls")
                .value_name("FILE")
                .value_parser(readable_url_file)
                .help(format!(
                    "The URLs to crawl, one a line (at most {MAX_URLS} lines, {MAX_URL_FILE} bytes)"
                )),
        )
        .arg(
            clap::Arg::new("out")
                .long("out")
                .value_name("FILE")
                .value_parser(writable_path)
                .help("Where the links go (made anew, with its header line); default: a temporary file"),
        )
}

/// A `--urls` value: a readable file within the bounds.
fn readable_url_file(value: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(value);
    let meta = std::fs::metadata(&path).map_err(|error| format!("cannot read {value}: {error}"))?;
    if !meta.is_file() {
        return Err(format!("{value} is not a file"));
    }
    if meta.len() > MAX_URL_FILE {
        return Err(format!(
            "{value} has {} bytes; at most {MAX_URL_FILE} are read",
            meta.len()
        ));
    }
    std::fs::File::open(&path).map_err(|error| format!("cannot read {value}: {error}"))?;
    Ok(path)
}

/// An `--out` value: a path whose folder exists, and that is not a folder or a read-only file.
fn writable_path(value: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(value);
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(format!("cannot write {value}: {} is not a folder", parent.display()));
    }
    if let Ok(meta) = std::fs::metadata(&path) {
        if meta.is_dir() {
            return Err(format!("cannot write {value}: it is a folder"));
        }
        if meta.permissions().readonly() {
            return Err(format!("cannot write {value}: it is read-only"));
        }
    }
    Ok(path)
}

/// The crawl's order and instants are the network's: its lines are compared as a multiset, with the
/// `url` crate's documented disagreements with `urljoin` allowed.
fn expect(_: Flavor) -> Expect {
    Expect::Differs {
        why: "a crawl's order and instants are the network's: the output file's lines and the log's \
              messages are compared as sets (counts included), with the url crate's documented \
              disagreements with urljoin",
        check: same_crawl,
    }
}

/// The port's summary holds CPython's lines, each as many times, after [`urljoin_disagreements`].
fn same_crawl(reference: &[Line], port: &[String]) -> Result<(), String> {
    let mut expected: Vec<String> = reference
        .iter()
        .flat_map(|line| urljoin_disagreements(&line.text))
        .collect();
    let mut got: Vec<String> = port.to_vec();
    expected.sort();
    got.sort();
    if expected == got {
        return Ok(());
    }
    let missing: Vec<&String> = expected.iter().filter(|line| !got.contains(line)).collect();
    let extra: Vec<&String> = got.iter().filter(|line| !expected.contains(line)).collect();
    Err(format!(
        "{} lines from CPython, {} from the port; missing: {missing:#?}; extra: {extra:#?}",
        expected.len(),
        got.len()
    ))
}

/// What a line of CPython's summary is in the port's, where the `url` crate's join (WHATWG URL) and
/// `urllib.parse.urljoin` (RFC 3986, lenient) disagree on a fixture link:
///
/// - a space in a link: `urljoin` keeps it, `url` percent-encodes it (`p 1.html` is `p%201.html`).
///
/// Others, found on links the fixture no longer serves, are in `docs/scenarios/areq.md`: a port that is
/// not a number (`urljoin` keeps the link, `url` rejects it), dot segments in an absolute link (`url`
/// removes them), an empty query (`urljoin` drops the `?`), surrounding spaces (`url` strips them).
pub fn urljoin_disagreements(line: &str) -> Vec<String> {
    if line.starts_with("out: ") && line.contains(' ') {
        let (head, link) = line.rsplit_once('\t').unwrap_or((line, ""));
        return vec![format!("{head}\t{}", link.replace(' ', "%20"))];
    }
    vec![line.to_owned()]
}

/// The program's own checks of a fixture crawl's summary: the header; every bad page of the fixture
/// yields one error line for its URL and no output line; every linked page's links are written once.
fn verify(lines: &[String]) -> Result<(), String> {
    if lines.is_empty() {
        return Ok(());
    }
    if !lines.iter().any(|line| line == &format!("out: {HEADER}")) {
        return Err("the output file has no header line".to_owned());
    }
    let count = |predicate: &dyn Fn(&String) -> bool| lines.iter().filter(|line| predicate(line)).count();
    let bad = [
        "http://FIXTURE/site/missing.html",
        "http://FIXTURE/site/error.html",
        "http://FIXTURE/site/reset.html",
        "http://CLOSED/site/p0.html",
        crate::http::fixture::NOT_A_URL,
    ];
    for url in bad {
        let errors = count(&|line| line.starts_with(&format!("log: ERROR:areq: aiohttp exception for {url} [")));
        let mentions = count(&|line| line.starts_with("log: ") && (line.ends_with(url) || line.contains(&format!("{url} "))));
        let written = count(&|line| line.starts_with(&format!("out: {url}\t")));
        if (errors, mentions, written) != (1, 1, 0) {
            return Err(format!(
                "{url}: {errors} error lines, {mentions} log lines, {written} output lines; 1, 1 and 0 expected"
            ));
        }
    }
    let latin1 = "http://FIXTURE/site/latin1.html";
    if count(&|line| line.starts_with(&format!("out: {latin1}\t"))) != 0 {
        return Err(format!("{latin1} is not UTF-8, yet links of it were written"));
    }
    for n in 0..crate::http::fixture::PAGES {
        let url = format!("http://FIXTURE/site/p{n}.html");
        let wrote = count(&|line| line == &format!("log: INFO:areq: Wrote results for source URL: {url}"));
        if wrote != 1 {
            return Err(format!("{url}: written {wrote} times; once expected"));
        }
    }
    Ok(())
}

/// The log: `logging.basicConfig(format="%(asctime)s %(levelname)s:%(name)s: %(message)s",
/// datefmt="%H:%M:%S", stream=sys.stderr)`, each line also kept for the summary.
#[derive(Debug, Clone)]
struct Log {
    echo: bool,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Log {
    fn write(&self, level: &str, message: &str) {
        let line = format!("{} {level}:areq: {message}", clock());
        if self.echo {
            eprintln!("{line}");
        }
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    fn info(&self, message: &str) {
        self.write("INFO", message);
    }

    fn error(&self, message: &str) {
        self.write("ERROR", message);
    }

    /// `logger.exception`: the message at ERROR, then what Python prints as the traceback.
    fn exception(&self, message: &str, error: &dyn std::fmt::Display) {
        self.error(message);
        if self.echo {
            eprintln!("Traceback: {error}");
        }
    }

    fn text(&self) -> String {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        lines.iter().map(|line| format!("{line}\n")).collect()
    }
}

/// `%H:%M:%S`, the original's `datefmt`.
fn clock() -> String {
    jiff::Zoned::now().strftime("%H:%M:%S").to_string()
}

/// Why `fetch_html` gave no text.
#[derive(Debug)]
enum CrawlError {
    /// `raise_for_status()`: a status of 400 or more (aiohttp's `ClientResponseError`).
    Status(hyper::StatusCode),
    /// Any other aiohttp error; whether the server closed the connection before its answer.
    Client(bool),
    /// `resp.text()` could not decode the body (a `UnicodeDecodeError`, not an aiohttp one).
    Decode(std::string::FromUtf8Error),
}

/// The crawl's shared state: the session, the log, the output file, the pattern.
struct Crawl<R> {
    session: Session<R>,
    log: Log,
    out: PathBuf,
    href: regex::Regex,
}

/// `fetch_html`: GET, `raise_for_status`, log the status, the body as text.
async fn fetch_html<R: Io>(crawl: &Crawl<R>, url: &str) -> Result<String, CrawlError> {
    let page = crawl.session.get(url).await.map_err(|error| {
        CrawlError::Client(matches!(&error, FetchError::Http(error) if error.is_incomplete_message()))
    })?;
    if page.status.as_u16() >= 400 {
        return Err(CrawlError::Status(page.status));
    }
    crawl
        .log
        .info(&format!("Got response [{}] for URL: {url}", page.status.as_u16()));
    String::from_utf8(page.body.to_vec()).map_err(CrawlError::Decode)
}

/// `parse`: the links of the page at `url`, joined against it, as a set; nothing on an error.
async fn parse<R: Io>(crawl: &Crawl<R>, url: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let html = match fetch_html(crawl, url).await {
        Ok(html) => html,
        Err(CrawlError::Status(status)) => {
            let reason = status.canonical_reason().unwrap_or("None");
            crawl.log.error(&format!(
                "aiohttp exception for {url} [{}]: {reason}",
                status.as_u16()
            ));
            return found;
        }
        Err(CrawlError::Client(disconnected)) => {
            // aiohttp's connection errors carry neither a status nor a message, but for the server
            // closing the connection before its answer (`ServerDisconnectedError`).
            let message = if disconnected { "Server disconnected" } else { "None" };
            crawl
                .log
                .error(&format!("aiohttp exception for {url} [None]: {message}"));
            return found;
        }
        Err(CrawlError::Decode(error)) => {
            // `getattr(e, "__dict__", {})` of a UnicodeDecodeError is `{}`.
            crawl
                .log
                .exception("Non-aiohttp exception occured:  {}", &error);
            return found;
        }
    };
    let Ok(base) = url::Url::parse(url) else {
        return found;
    };
    for captures in crawl.href.captures_iter(&html) {
        let link = captures.get(1).map_or("", |link| link.as_str());
        match base.join(link) {
            Ok(absolute) => {
                found.insert(absolute.to_string());
            }
            Err(error) => crawl
                .log
                .exception(&format!("Error parsing URL: {link}"), &error),
        }
    }
    crawl
        .log
        .info(&format!("Found {} links for {url}", found.len()));
    found
}

/// `write_one`: parse, then append `url\tlink` per link and log it, if anything was found.
async fn write_one<R: Io>(crawl: Arc<Crawl<R>>, url: String) -> Result<(), String> {
    let found = parse(&crawl, &url).await;
    if found.is_empty() {
        return Ok(());
    }
    let text: String = found.iter().map(|link| format!("{url}\t{link}\n")).collect();
    let mut file = R::append_file(&crawl.out)
        .await
        .map_err(|error| format!("cannot append to {}: {error}", crawl.out.display()))?;
    write_all(&mut file, text.as_bytes())
        .await
        .map_err(|error| format!("cannot write {}: {error}", crawl.out.display()))?;
    crawl
        .log
        .info(&format!("Wrote results for source URL: {url}"));
    Ok(())
}

/// Writes all of `bytes`, then flushes and closes.
async fn write_all<W: AsyncWrite + Unpin>(writer: &mut W, mut bytes: &[u8]) -> std::io::Result<()> {
    use std::future::poll_fn;
    use std::pin::Pin;
    while !bytes.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *writer).poll_write(cx, bytes)).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
    }
    poll_fn(|cx| Pin::new(&mut *writer).poll_flush(cx)).await?;
    poll_fn(|cx| Pin::new(&mut *writer).poll_close(cx)).await
}

/// `bulk_crawl_and_write`: one session, `write_one` for every URL at once.
async fn bulk_crawl_and_write<R: Runtime + Io>(
    out: &Path,
    urls: BTreeSet<String>,
    log: Log,
) -> Result<(), ScenarioError> {
    let href = regex::Regex::new(HREF).map_err(|error| ScenarioError::Failed(error.to_string()))?;
    let crawl = Arc::new(Crawl {
        session: Session::<R>::new(),
        log,
        out: out.to_path_buf(),
        href,
    });
    let tasks = urls
        .into_iter()
        .map(|url| write_one::<R>(Arc::clone(&crawl), url));
    let results = gather::<R, _>(tasks).await?;
    results
        .into_iter()
        .collect::<Result<Vec<()>, String>>()
        .map_err(ScenarioError::Failed)?;
    Ok(())
}

/// Reads the URL file: its lines, stripped, as a set.
async fn read_urls<R: Io>(path: &Path) -> Result<BTreeSet<String>, ScenarioError> {
    let bytes = R::read_file(path)
        .await
        .map_err(|error| ScenarioError::Args(format!("--urls: cannot read {}: {error}", path.display())))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        ScenarioError::Args(format!("--urls: {} is not UTF-8 text", path.display()))
    })?;
    let urls: BTreeSet<String> = text.lines().map(|line| line.trim().to_owned()).collect();
    if urls.len() > MAX_URLS {
        return Err(ScenarioError::Args(format!(
            "--urls: {} lists {} URLs; at most {MAX_URLS}",
            path.display(),
            urls.len()
        )));
    }
    Ok(urls)
}

/// Makes the output file anew with its header line.
async fn write_header<R: Io>(out: &Path) -> Result<(), ScenarioError> {
    let cannot = |error: std::io::Error| {
        ScenarioError::Args(format!("--out: cannot write {}: {error}", out.display()))
    };
    let mut file = R::create_file(out).await.map_err(cannot)?;
    write_all(&mut file, format!("{HEADER}\n").as_bytes())
        .await
        .map_err(cannot)
}

/// The summary of a crawl that the parity check compares: every line of the output file as
/// `out: LINE` and every message of the log as `log: LEVEL:areq: MESSAGE` (times and every other
/// logger's lines left out), with each `(from, to)` of `masks` replaced (the site's address); sorted.
pub fn summary(out: &str, log: &str, masks: &[(String, String)]) -> Vec<String> {
    let mask = |text: &str| {
        masks
            .iter()
            .fold(text.to_owned(), |text, (from, to)| text.replace(from, to))
    };
    let mut lines: Vec<String> = out.lines().map(|line| format!("out: {}", mask(line))).collect();
    lines.extend(log.lines().filter_map(|line| {
        let (_, rest) = line.split_once(' ')?;
        let (level, message) = rest.split_once(":areq: ")?;
        Some(format!("log: {level}:areq: {}", mask(message)))
    }));
    lines.sort();
    lines
}

/// The masks of a fixture's addresses in a summary.
pub fn fixture_masks(addr: SocketAddr, urls: &[String]) -> Vec<(String, String)> {
    // With the slash after the host, so that one address is never taken for the start of another.
    let mut masks = vec![(format!("{addr}/"), "FIXTURE/".to_owned())];
    // The URL on the closed port is the one with another address.
    masks.extend(
        urls.iter()
            .filter(|url| url.starts_with("http://") && !url.contains(&format!("{addr}/")))
            .filter_map(|url| url.strip_prefix("http://")?.split('/').next())
            .map(|host| (format!("{host}/"), "CLOSED/".to_owned())),
    );
    masks
}

/// A fresh folder under the system's temporary one, for a crawl's files.
pub fn scratch_dir(label: &str) -> std::io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "rosetta-{label}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn main<R: Runtime + Io>(ctx: &Ctx, urls: Option<PathBuf>, out: Option<PathBuf>) -> Result<(), ScenarioError> {
    let log = Log {
        echo: ctx.out.echo() != crate::Echo::Quiet,
        lines: Arc::default(),
    };
    let Some(urls_path) = urls else {
        return crawl_fixture::<R>(ctx, out, log).await;
    };
    let urls = read_urls::<R>(&urls_path).await?;
    let out = match out {
        Some(out) => out,
        None => scratch_dir("areq")
            .map_err(|error| ScenarioError::Failed(error.to_string()))?
            .join("foundurls.txt"),
    };
    write_header::<R>(&out).await?;
    bulk_crawl_and_write::<R>(&out, urls, log).await
}

/// Serves the fixture, crawls it, and says the summary.
async fn crawl_fixture<R: Runtime + Io>(
    ctx: &Ctx,
    out: Option<PathBuf>,
    log: Log,
) -> Result<(), ScenarioError> {
    let failed = |error: std::io::Error| ScenarioError::Failed(format!("the fixture: {error}"));
    let lifetime = ctx.out.real(FIXTURE_LIFETIME).max(Duration::from_secs(30));
    let fixture = Fixture::<R>::start(ctx.out.scale(), lifetime).await.map_err(failed)?;
    let dir = scratch_dir("areq").map_err(failed)?;
    let urls_path = dir.join("urls.txt");
    std::fs::write(&urls_path, fixture.url_file()).map_err(failed)?;
    let out = out.unwrap_or_else(|| dir.join("foundurls.txt"));
    write_header::<R>(&out).await?;
    let urls = read_urls::<R>(&urls_path).await?;
    let outcome = bulk_crawl_and_write::<R>(&out, urls, log.clone()).await;
    let masks = fixture_masks(fixture.addr(), &fixture.urls());
    fixture.stop().await;
    outcome?;
    let written = std::fs::read_to_string(&out).map_err(failed)?;
    let _ = std::fs::remove_dir_all(&dir);
    for line in summary(&written, &log.text(), &masks) {
        ctx.say(line);
    }
    Ok(())
}

/// Runs the program.
///
/// # Errors
///
/// [`ScenarioError::Args`] for a `--urls` file that cannot be read or an `--out` that cannot be
/// written; a failed fixture or task otherwise. A URL that fails is logged, never an error.
pub fn run<R: Runtime + Io>(ctx: &Ctx) -> Result<(), ScenarioError> {
    let matches = args()
        .try_get_matches_from(std::iter::once("areq.py".to_owned()).chain(ctx.args.iter().cloned()))
        .map_err(|error| ScenarioError::Args(error.to_string()))?;
    let urls = matches.get_one::<PathBuf>("urls").cloned();
    let out = matches.get_one::<PathBuf>("out").cloned();
    ctx.asyncio_run::<R, _>(main::<R>(ctx, urls, out))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_url_file_or_an_unwritable_out_is_refused_before_the_run() {
        let missing = INFO
            .check_args(&["--urls", "/nonexistent/urls.txt"])
            .unwrap_err();
        assert!(matches!(missing, ScenarioError::Args(_)), "{missing}");
        assert!(missing.to_string().contains("cannot read /nonexistent/urls.txt"), "{missing}");
        let folder = INFO.check_args(&["--urls", "/"]).unwrap_err();
        assert!(folder.to_string().contains("is not a file"), "{folder}");
        let out = INFO
            .check_args(&["--out", "/nonexistent/dir/out.txt"])
            .unwrap_err();
        assert!(out.to_string().contains("is not a folder"), "{out}");
        let dir = std::env::temp_dir();
        let out = INFO
            .check_args(&["--out", dir.to_str().unwrap_or("/tmp")])
            .unwrap_err();
        assert!(out.to_string().contains("it is a folder"), "{out}");
    }

    #[test]
    fn the_summary_masks_times_addresses_and_other_loggers() {
        let log = "12:00:01 INFO:areq: Got response [200] for URL: http://127.0.0.1:5/a\n\
                   12:00:01 DEBUG:asyncio: Using selector: EpollSelector\n\
                   Traceback (most recent call last):\n";
        let masks = vec![("127.0.0.1:5/".to_owned(), "FIXTURE/".to_owned())];
        let lines = summary("source_url\tparsed_url\n", log, &masks);
        assert_eq!(
            lines,
            [
                "log: INFO:areq: Got response [200] for URL: http://FIXTURE/a",
                "out: source_url\tparsed_url"
            ]
        );
    }

    #[test]
    fn a_space_is_the_one_disagreement_with_urljoin_allowed() {
        assert_eq!(
            urljoin_disagreements("out: http://h/p0.html\thttp://h/p 1.html"),
            ["out: http://h/p0.html\thttp://h/p%201.html"]
        );
        assert_eq!(urljoin_disagreements("out: a\tb"), ["out: a\tb"]);
    }
}
