//! What the two echo programs share: the docs' client and server coroutines over the toolkit's
//! streams, printing through a [`Ctx`] or not at all, and Python's `repr` of what they print.

use std::net::SocketAddr;

use rosetta_asyncio::Io;
use rosetta_asyncio::streams::{Reader, StreamError, Writer, open_connection};

use crate::Ctx;

/// The message the docs' client sends.
pub const MESSAGE: &str = "Hello World!";

/// How many bytes each side reads at once (`reader.read(100)`).
pub const READ: usize = 100;

/// Python's `repr` of a `str`: in single quotes (double quotes if it holds a single quote and no
/// double one), backslashes, quotes and control characters escaped.
pub fn py_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr` of a `(host, port)` address tuple.
pub fn py_addr(addr: Option<SocketAddr>) -> String {
    match addr {
        Some(addr) => format!("('{}', {})", addr.ip(), addr.port()),
        None => "None".to_owned(),
    }
}

/// `handle_echo`: reads a message, says where it came from, echoes it, closes. Says nothing without a
/// `ctx`.
pub async fn handle_echo<R: Io>(
    ctx: Option<Ctx>,
    mut reader: Reader<R>,
    mut writer: Writer<R>,
) -> Result<(), StreamError> {
    let say = |line: String| {
        if let Some(ctx) = &ctx {
            ctx.say(line);
        }
    };
    let data = reader.read(READ).await?;
    let message = String::from_utf8_lossy(&data).into_owned();
    let addr = writer.peer_addr();
    say(format!(
        "Received {} from {}",
        py_repr(&message),
        py_addr(addr)
    ));
    say(format!("Send: {}", py_repr(&message)));
    writer.write(&data)?;
    writer.drain().await?;
    say("Close the connection".to_owned());
    writer.close();
    writer.wait_closed().await
}

/// `tcp_echo_client`: sends `message`, says what it sent and what came back, closes. Says nothing
/// without a `ctx`; returns what came back.
pub async fn tcp_echo_client<R: Io>(
    ctx: Option<&Ctx>,
    addr: SocketAddr,
    message: &str,
) -> Result<String, StreamError> {
    let say = |line: String| {
        if let Some(ctx) = ctx {
            ctx.say(line);
        }
    };
    let (mut reader, mut writer) = open_connection::<R>(addr).await?;
    say(format!("Send: {}", py_repr(message)));
    writer.write(message.as_bytes())?;
    writer.drain().await?;
    let data = reader.read(READ).await?;
    let received = String::from_utf8_lossy(&data).into_owned();
    say(format!("Received: {}", py_repr(&received)));
    say("Close the connection".to_owned());
    writer.close();
    writer.wait_closed().await?;
    Ok(received)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_quotes_as_python_does() {
        assert_eq!(py_repr("Hello World!"), "'Hello World!'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("tab\there\n"), "'tab\\there\\n'");
    }
}
