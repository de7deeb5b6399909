#!/usr/bin/env python3
"""An HTTP proxy for apt inside the container test's network namespace.

The test's Docker engine lives in a network namespace of its own, with no route out, so
that nothing it does touches the machine's network. The Dockerfile's `apt-get install`
steps still need Debian's mirror. This proxy listens in that namespace (on the engine's
bridge address) and makes its outgoing connections from the namespace it was started in,
so it can relay apt's requests, and only those: plain HTTP GET and HEAD to the mirror
hosts named on the command line. Packages (pool/…/*.deb, whose content never changes under
one name) are kept in a cache directory, so a second run fetches them from disk.

usage: apt-proxy.py NETNS_PATH ADDRESS PORT CACHE_DIR HOST... (runs until SIGTERM)
"""
import ctypes
import hashlib
import os
import socket
import socketserver
import sys
import urllib.parse

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {path}")
    finally:
        os.close(fd)


netns_path, address, port, cache_dir, *hosts = sys.argv[1:]
allowed = set(hosts)
os.makedirs(cache_dir, exist_ok=True)


class Handler(socketserver.StreamRequestHandler):
    def reply(self, status, text):
        body = (text + "\n").encode()
        self.wfile.write(f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)

    def handle(self):
        request = self.rfile.readline(8192).decode("latin-1")
        headers = []
        while True:
            line = self.rfile.readline(8192).decode("latin-1")
            if line in ("\r\n", "\n", ""):
                break
            name = line.split(":", 1)[0].strip().lower()
            if name not in ("connection", "proxy-connection", "keep-alive"):
                headers.append(line.rstrip("\r\n"))
        parts = request.split()
        if len(parts) != 3 or parts[0] not in ("GET", "HEAD"):
            return self.reply("405 Method Not Allowed", "only GET and HEAD")
        method, target, _ = parts
        url = urllib.parse.urlsplit(target)
        if url.scheme != "http" or url.hostname not in allowed:
            return self.reply("403 Forbidden", f"not a mirror this proxy serves: {target}")
        path = url.path + (("?" + url.query) if url.query else "")
        cacheable = method == "GET" and url.path.endswith(".deb") and "/pool/" in url.path
        cached = os.path.join(cache_dir, hashlib.sha256(target.encode()).hexdigest() + ".deb")
        if cacheable and os.path.exists(cached):
            size = os.path.getsize(cached)
            self.wfile.write(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n".encode())
            with open(cached, "rb") as f:
                while chunk := f.read(1 << 16):
                    self.wfile.write(chunk)
            return
        upstream = socket.create_connection((url.hostname, url.port or 80), timeout=60)
        with upstream:
            head = f"{method} {path} HTTP/1.1\r\n" + "".join(h + "\r\n" for h in headers) + "Connection: close\r\n\r\n"
            upstream.sendall(head.encode("latin-1"))
            store = None
            received = b""
            try:
                while True:
                    chunk = upstream.recv(1 << 16)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    if cacheable:
                        if store is None:
                            received += chunk
                            if b"\r\n\r\n" in received:
                                status_line, rest = received.split(b"\r\n", 1)
                                if b" 200 " in status_line:
                                    store = open(cached + f".{os.getpid()}.{id(self)}", "wb")
                                    store.write(rest.split(b"\r\n\r\n", 1)[1])
                                else:
                                    cacheable = False
                        else:
                            store.write(chunk)
                if store is not None:
                    store.close()
                    os.rename(store.name, cached)
                    store = None
            finally:
                if store is not None:
                    store.close()
                    os.unlink(store.name)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


# Listen inside the test's namespace, then return to the one we started in: sockets made
# afterwards (the connections to the mirror) belong to that one.
home = os.open("/proc/self/ns/net", os.O_RDONLY)
setns(netns_path)
server = Server((address, int(port)), Handler)
if libc.setns(home, CLONE_NEWNET) != 0:
    raise OSError(ctypes.get_errno(), "setns back")
os.close(home)
print(f"apt-proxy: listening on {address}:{port} for {' '.join(sorted(allowed))}", flush=True)
server.serve_forever()
