//! The HTTP server over the trait, on every runtime: a keep-alive client's requests are each answered
//! with the fixed 1 KiB body, and completing `stop` ends the accept loop.

use std::net::SocketAddr;
use std::pin::Pin;

use rosetta_http::server::{BODY, BODY_LEN, CONTENT_TYPE};
use rosetta_rt::io::{AsyncRead, AsyncWrite};
use rosetta_runtimes::{Io, Runtime};

/// Writes all of `bytes` to `stream`.
async fn write_all<S: AsyncWrite + Unpin>(stream: &mut S, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_write(cx, bytes)).await?;
        bytes = &bytes[n..];
    }
    Ok(())
}

/// Reads from `stream` until `want` bytes are in, or end of file.
async fn read_exactly<S: AsyncRead + Unpin>(
    stream: &mut S,
    want: usize,
) -> std::io::Result<Vec<u8>> {
    let mut got = Vec::new();
    let mut chunk = [0; 4096];
    while got.len() < want {
        let room = (want - got.len()).min(chunk.len());
        let n = std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_read(cx, &mut chunk[..room]))
            .await?;
        if n == 0 {
            break;
        }
        got.extend_from_slice(&chunk[..n]);
    }
    Ok(got)
}

/// The whole answer to `GET /`, byte for byte, as hyper writes it (its date header aside).
fn expected_head_and_body(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.starts_with("HTTP/1.1 200 OK\r\n")
        && head.contains(&format!("content-type: {CONTENT_TYPE}\r\n"))
        && head.contains(&format!("content-length: {BODY_LEN}"))
        && body.as_bytes() == BODY
}

rosetta_runtimes::conformance! {
    #[test]
    fn keep_alive_requests_are_each_answered_with_the_body_and_stop_ends_the_server() {
        let rt = Rt::create(&Default::default()).expect("a loop");
        rt.block_on(async {
            let listener = Rt::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("bind");
            let addr = Rt::local_addr(&listener).expect("its address");
            // Dropping `stop` closes the channel: that is the signal.
            let (stop, stopped) = async_channel::bounded::<()>(1);
            let server = Rt::spawn(rosetta_http::serve_over_trait::<Rt>(listener, async move {
                let _ = stopped.recv().await;
            }));
            let mut stream = Rt::connect(addr).await.expect("connect");
            for path in ["/", "/any/path?x=1", "/"] {
                write_all(&mut stream, format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
                    .await
                    .expect("the request is sent");
                // The head is under 200 bytes; read it up to the blank line, then the body.
                let mut answer = Vec::new();
                while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    let byte = read_exactly(&mut stream, 1).await.expect("read");
                    assert!(!byte.is_empty(), "the server closed a keep-alive connection");
                    answer.extend(byte);
                }
                answer.extend(read_exactly(&mut stream, BODY_LEN).await.expect("the body"));
                assert!(expected_head_and_body(&answer), "{}", String::from_utf8_lossy(&answer));
            }
            drop(stop);
            server.await.expect("the server ends without a panic");
        });
        rt.close();
    }
}
