#!/usr/bin/env python3
"""The asyncio docs' "TCP echo client using streams": connects, sends a message, says what it sent and
what came back, closes.

Source: the Python docs, asyncio "Streams", "TCP echo client using streams".
Run: python3 echo_client.py [--message TEXT]   (env: ROSETTA_TIME_SCALE, ROSETTA_TRANSCRIPT=1)
"""

# Differs from the docs:
# - print -> say, so that transcript mode can stamp each line with its logical time.
# - It first starts a silent echo server of its own on 127.0.0.1 port 0 (the docs' server, without
#   its prints), and connects there instead of to port 8888, so that the program runs alone.
# - asyncio.run(...) -> asyncio.Runner(loop_factory=asyncio.new_event_loop).

import argparse
import asyncio

from _rosetta import say


async def tcp_echo_client(port, message):
    reader, writer = await asyncio.open_connection(
        '127.0.0.1', port)

    say(f'Send: {message!r}')
    writer.write(message.encode())
    await writer.drain()

    data = await reader.read(100)
    say(f'Received: {data.decode()!r}')

    say('Close the connection')
    writer.close()
    await writer.wait_closed()


async def silent_echo(reader, writer):
    data = await reader.read(100)
    writer.write(data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main(message):
    server = await asyncio.start_server(silent_echo, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await tcp_echo_client(port, message)


def message_arg(text):
    if not 1 <= len(text.encode()) <= 100:
        raise argparse.ArgumentTypeError(f"{len(text.encode())} bytes; 1 to 100 are valid")
    return text


parser = argparse.ArgumentParser()
parser.add_argument("--message", type=message_arg, default='Hello World!')
args = parser.parse_args()
with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
    runner.run(main(args.message))
