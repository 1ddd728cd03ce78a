#!/usr/bin/env python3
"""The asyncio docs' "TCP echo server using streams": reads a message, says where it came from, echoes
it, closes the connection.

Source: the Python docs, asyncio "Streams", "TCP echo server using streams".
Run: python3 echo_server.py [--clients N]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the docs:
# - print -> say, so that transcript mode can stamp each line with its logical time.
# - It binds 127.0.0.1 port 0, not 8888, and instead of serving forever it is visited by --clients
#   silent echo clients (the docs' client, without its prints), one after the other, then closed, so
#   that the program ends by itself.
# - asyncio.run(main()) -> asyncio.Runner(loop_factory=asyncio.new_event_loop).

import argparse
import asyncio

from _rosetta import say

MESSAGE = 'Hello World!'


async def handle_echo(reader, writer):
    data = await reader.read(100)
    message = data.decode()
    addr = writer.get_extra_info('peername')

    say(f"Received {message!r} from {addr!r}")

    say(f"Send: {message!r}")
    writer.write(data)
    await writer.drain()

    say("Close the connection")
    writer.close()
    await writer.wait_closed()


async def silent_client(port, message):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(message.encode())
    await writer.drain()
    data = await reader.read(100)
    writer.close()
    await writer.wait_closed()
    assert data.decode() == message, data


async def main(clients):
    server = await asyncio.start_server(handle_echo, '127.0.0.1', 0)

    addrs = ', '.join(str(sock.getsockname()) for sock in server.sockets)
    say(f'Serving on {addrs}')

    port = server.sockets[0].getsockname()[1]
    async with server:
        for _ in range(clients):
            await silent_client(port, MESSAGE)


def clients_arg(text):
    n = int(text)
    if not 1 <= n <= 100:
        raise argparse.ArgumentTypeError(f"{n}: 1..=100 are valid")
    return n


parser = argparse.ArgumentParser()
parser.add_argument("--clients", type=clients_arg, default=1)
args = parser.parse_args()
with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
    runner.run(main(args.clients))
