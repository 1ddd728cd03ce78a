"""The Python echo servers of the network comparison, in the three styles vmbench and rloop measure.

    echo_server.py --style streams|protocol|sock --loop asyncio|uvloop|rloop

It follows the project's server process contract: it binds 127.0.0.1 port 0, writes one line
`listening 127.0.0.1:PORT` to stdout and flushes, echoes every byte back until each peer closes, and
exits 0 when its stdin reaches end of file. Bad arguments, a loop that cannot be imported or a failed
bind: a message on stderr and exit 2. The loop is chosen as asyncio recommends, with
asyncio.Runner(loop_factory=...); uvloop and rloop come from the project's venv (target/python-venv).
ROSETTA_NET_CPUS (e.g. "0" or "0,1") pins the process to those CPUs before it starts.

- streams: asyncio.start_server, a handler that reads up to 64 KiB, writes it and drains;
- protocol: an asyncio.Protocol whose data_received writes the data back, pausing reading while the
  transport's buffer is over its high-water mark (the protocol's backpressure);
- sock: a non-blocking socket with loop.sock_accept, loop.sock_recv and loop.sock_sendall.
"""

import argparse
import asyncio
import importlib
import os
import resource
import socket
import sys
import threading

STYLES = ("streams", "protocol", "sock")
LOOPS = ("asyncio", "uvloop", "rloop")
READ = 64 * 1024
BACKLOG = 128


async def echo_streams(reader, writer):
    try:
        while data := await reader.read(READ):
            writer.write(data)
            await writer.drain()
        writer.close()
        await writer.wait_closed()
    except (ConnectionError, OSError):
        writer.close()


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    def pause_writing(self):
        self.transport.pause_reading()

    def resume_writing(self):
        self.transport.resume_reading()

    def eof_received(self):
        # Returning a false value closes the transport, as the peer closed.
        return False


async def echo_sock(loop, conn):
    try:
        while data := await loop.sock_recv(conn, READ):
            await loop.sock_sendall(conn, data)
    except (ConnectionError, OSError):
        pass
    finally:
        conn.close()


def listening_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return sock


def ready(addr):
    host, port = addr[:2]
    sys.stdout.write(f"listening {host}:{port}\n")
    sys.stdout.flush()


async def serve(style):
    loop = asyncio.get_running_loop()
    if style in ("streams", "protocol"):
        # The loop binds its own socket: handing one over with sock= resets connections on rloop.
        if style == "streams":
            server = await asyncio.start_server(
                echo_streams, host="127.0.0.1", port=0, backlog=BACKLOG
            )
        else:
            server = await loop.create_server(
                EchoProtocol, host="127.0.0.1", port=0, backlog=BACKLOG
            )
        ready(server.sockets[0].getsockname())
        # Serving has started; wait for ever (rloop's serve_forever returns at once).
        await asyncio.Event().wait()
    sock = listening_socket()
    ready(sock.getsockname())
    tasks = set()
    while True:
        conn, _ = await loop.sock_accept(sock)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.setblocking(False)
        task = loop.create_task(echo_sock(loop, conn))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


def exit_at_end_of_stdin():
    """The contract's stop: stdin reaching end of file ends the process, whatever the loop does."""
    sys.stdin.buffer.read()
    sys.stdout.flush()
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", choices=STYLES, required=True)
    parser.add_argument("--loop", choices=LOOPS, default="asyncio")
    args = parser.parse_args()
    # A thousand connections need a thousand descriptors, more than the usual soft limit leaves.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(8192, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    cpus = os.environ.get("ROSETTA_NET_CPUS")
    if cpus:
        try:
            os.sched_setaffinity(0, {int(cpu) for cpu in cpus.split(",")})
        except (ValueError, OSError) as error:
            sys.exit(f"echo_server.py: ROSETTA_NET_CPUS={cpus!r} is not a list of CPUs here: {error}")
    if args.loop == "asyncio":
        factory = asyncio.new_event_loop
    else:
        try:
            factory = importlib.import_module(args.loop).new_event_loop
        except ImportError as error:
            print(f"echo_server.py: --loop {args.loop} is not installed ({error}); valid here: asyncio, "
                  "or run with the project's venv (target/python-venv)", file=sys.stderr)
            sys.exit(2)
    threading.Thread(target=exit_at_end_of_stdin, daemon=True).start()
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(serve(args.style))
    except OSError as error:
        print(f"echo_server.py: cannot serve on 127.0.0.1: {error}", file=sys.stderr)
        sys.stderr.flush()
        # Not sys.exit: the thread reading stdin would hold the interpreter's shutdown.
        os._exit(2)


if __name__ == "__main__":
    main()
