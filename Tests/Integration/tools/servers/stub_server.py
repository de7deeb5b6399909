#!/usr/bin/env python3
"""Servers that misbehave, for testing how clients report it.

  --mode silent      TCP: accept, then say nothing and keep the connection open
  --mode close       TCP: accept, read the request, and close without a byte
  --mode udp-silent  UDP: receive datagrams and never answer
"""
import argparse
import socket


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["silent", "close", "udp-silent"], required=True)
    arguments = parser.parse_args()
    if arguments.mode == "udp-silent":
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((arguments.address, arguments.port))
        while True:
            sock.recvfrom(2048)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((arguments.address, arguments.port))
    listener.listen(16)
    held = []
    while True:
        connection, _ = listener.accept()
        if arguments.mode == "close":
            # Read what the client sent first: closing with unread data would send a reset.
            connection.settimeout(2)
            try:
                connection.recv(65536)
            except OSError:
                pass
            connection.close()
        else:
            held.append(connection)


if __name__ == "__main__":
    main()
