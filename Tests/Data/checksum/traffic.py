#!/usr/bin/env python3
"""The conversation captured for the checksum test data.

`traffic.py server` (in namespace B, 192.0.2.2) echoes one TCP connection and four UDP
datagrams on port 7. `traffic.py client` (in namespace A, 192.0.2.1) sends them:
TCP messages of 1, 7, 16, 333 and 1000 bytes (odd and even lengths), then UDP datagrams
of 4 and 3 bytes, one sent without a checksum (SO_NO_CHECK), and one of 3000 bytes that
the kernel fragments on a 1500-byte MTU.
"""
import socket
import sys
import threading

SERVER = "192.0.2.2"
PORT = 7
SO_NO_CHECK = 11
TCP_MESSAGES = [b"H", b"hello, ", b"sixteen bytes!!\n", bytes(range(256)) + b"x" * 77, b"0123456789" * 100]
UDP_MESSAGES = [(b"ping", False), (b"odd", False), (b"no checksum here", True), (bytes(i % 251 for i in range(3000)), False)]


def receive_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError("connection closed early")
        data += chunk
    return data


def serve_tcp(listener: socket.socket) -> None:
    connection, _ = listener.accept()
    with connection:
        while chunk := connection.recv(65536):
            connection.sendall(chunk)


def serve_udp(sock: socket.socket) -> None:
    for _ in UDP_MESSAGES:
        data, address = sock.recvfrom(65536)
        sock.sendto(data, address)


def server() -> None:
    listener = socket.create_server(("0.0.0.0", PORT))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("0.0.0.0", PORT))
    print("listening", flush=True)
    threads = [threading.Thread(target=serve_tcp, args=(listener,)), threading.Thread(target=serve_udp, args=(udp,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def client() -> None:
    with socket.create_connection((SERVER, PORT), timeout=5) as sock:
        for message in TCP_MESSAGES:
            sock.sendall(message)
            if receive_exactly(sock, len(message)) != message:
                sys.exit("TCP echo differs")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.settimeout(5)
    for message, without_checksum in UDP_MESSAGES:
        udp.setsockopt(socket.SOL_SOCKET, SO_NO_CHECK, 1 if without_checksum else 0)
        udp.sendto(message, (SERVER, PORT))
        if udp.recv(65536) != message:
            sys.exit("UDP echo differs")


if __name__ == "__main__":
    {"server": server, "client": client}[sys.argv[1]]()
