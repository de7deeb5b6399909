#!/usr/bin/env python3
"""A word server (docs/protocols.md, "Words") for testing word clients: length-prefixed words, then a close.

Every connection gets the same words: a 1-byte word, a 65,535-byte word, and a few UTF-8
words, sent in small writes of varying size with Nagle's algorithm off, so that the client
sees the packets split at arbitrary points. --expect FILE writes what a client should
print, one word per line. --truncate drops the last byte (the stream ends mid-packet);
--zero-length sends a length of zero after the first word.
"""
import argparse
import socket
import struct

WORDS = [
    "a",
    "é" * 32767 + "x",  # 65,535 bytes of UTF-8
    "naïve",
    "漢字",
    "emoji 👍🏽",
    "w" * 300,
]


def stream(arguments):
    data = b""
    for index, word in enumerate(WORDS):
        encoded = word.encode("utf-8")
        assert 1 <= len(encoded) <= 65535
        data += struct.pack("!H", len(encoded)) + encoded
        if arguments.zero_length and index == 0:
            data += b"\x00\x00"
    if arguments.truncate:
        data = data[:-1]
    return data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7000)
    parser.add_argument("--expect")
    parser.add_argument("--truncate", action="store_true")
    parser.add_argument("--zero-length", action="store_true")
    arguments = parser.parse_args()
    assert len(WORDS[1].encode("utf-8")) == 65535
    if arguments.expect:
        with open(arguments.expect, "w", encoding="utf-8") as expected:
            expected.write("".join(word + "\n" for word in WORDS))
    data = stream(arguments)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((arguments.address, arguments.port))
    listener.listen(16)
    while True:
        connection, _ = listener.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sizes = [1, 2, 3, 5, 7, 11, 13, 1000, 4097, 9000]
        offset, turn = 0, 0
        try:
            while offset < len(data):
                size = sizes[turn % len(sizes)]
                connection.sendall(data[offset : offset + size])
                offset += size
                turn += 1
        except ConnectionError:
            pass
        connection.close()


if __name__ == "__main__":
    main()
