#!/usr/bin/env python3
"""A Time Protocol server (RFC 868) over TCP and UDP, for testing time clients.

Over TCP it sends 4 bytes (seconds since 1900, big-endian, modulo 2^32) and closes; over
UDP it answers any datagram with the same 4 bytes. --value sends a fixed number instead of
the clock; --reply-bytes N sends only the first N bytes (or N bytes padded with zeros).
"""
import argparse
import socket
import struct
import threading
import time

UNIX_EPOCH_OFFSET = 2_208_988_800


def reply(arguments):
    value = arguments.value if arguments.value is not None else (int(time.time()) + UNIX_EPOCH_OFFSET) % 2**32
    data = struct.pack("!I", value)
    if arguments.reply_bytes is not None:
        data = (data + bytes(arguments.reply_bytes))[: arguments.reply_bytes]
    return data


def serve_tcp(arguments):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((arguments.address, arguments.port))
    listener.listen(16)
    while True:
        connection, _ = listener.accept()
        connection.sendall(reply(arguments))
        connection.close()


def serve_udp(arguments):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((arguments.address, arguments.port))
    while True:
        _, peer = sock.recvfrom(2048)
        sock.sendto(reply(arguments), peer)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=37)
    parser.add_argument("--value", type=int)
    parser.add_argument("--reply-bytes", type=int)
    arguments = parser.parse_args()
    threading.Thread(target=serve_tcp, args=(arguments,), daemon=True).start()
    serve_udp(arguments)


if __name__ == "__main__":
    main()
