#!/usr/bin/env python3
"""A chat server speaking the chat protocol of docs/protocols.md, for testing chat clients against something that is not Tern.

Packets: a 2-byte big-endian length, then UTF-8 JSON with a string "type".
  hello {nick} first and once -> broadcast join {nick}
  chat {message}              -> broadcast chat {nick, message}
  disconnect after hello      -> broadcast leave {nick}
Extensions (unless --no-extensions): me {message} -> broadcast me {nick, message};
private {to, message} -> private {from, to, message} to the recipient and the sender;
who -> users {nicks}. With --greet, every client also gets a packet of an unknown type
right after its hello, which clients must ignore. Bad input gets an error and a close.
"""
import argparse
import json
import selectors
import socket
import struct
import sys


class Client:
    def __init__(self, sock):
        self.sock = sock
        self.inbox = b""
        self.outbox = b""
        self.nick = None
        self.closing = False


class ChatServer:
    def __init__(self, address, port, extensions, greet):
        self.extensions = extensions
        self.greet = greet
        self.selector = selectors.DefaultSelector()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((address, port))
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        self.clients = {}

    def send(self, client, packet):
        payload = json.dumps(packet, ensure_ascii=False).encode("utf-8")
        client.outbox += struct.pack("!H", len(payload)) + payload
        self.update(client)

    def broadcast(self, packet):
        for client in list(self.clients.values()):
            if client.nick is not None and not client.closing:
                self.send(client, packet)

    def update(self, client):
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if client.outbox else 0)
        self.selector.modify(client.sock, events, client)

    def reject(self, client, message):
        self.send(client, {"type": "error", "message": message})
        client.closing = True

    def drop(self, client):
        if client.sock.fileno() in self.clients:
            del self.clients[client.sock.fileno()]
            self.selector.unregister(client.sock)
            client.sock.close()
            if client.nick is not None:
                self.broadcast({"type": "leave", "nick": client.nick})

    def handle(self, client, payload):
        try:
            packet = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return self.reject(client, "invalid JSON")
        if not isinstance(packet, dict) or not isinstance(packet.get("type"), str):
            return self.reject(client, "a packet must be an object with a string type")
        kind = packet["type"]
        if kind == "hello":
            nick = packet.get("nick")
            if client.nick is not None:
                return self.reject(client, "hello may come only once")
            if not isinstance(nick, str) or not nick or any(c.isspace() for c in nick):
                return self.reject(client, "a nick must be a non-empty string without spaces")
            if any(other.nick == nick for other in self.clients.values()):
                return self.reject(client, "the nick %s is taken" % nick)
            client.nick = nick
            self.broadcast({"type": "join", "nick": nick})
            if self.greet:
                self.send(client, {"type": "motd", "text": "an unknown packet type, to be ignored"})
            return
        if client.nick is None:
            return self.reject(client, "hello must come first")
        message = packet.get("message")
        if kind == "chat" and isinstance(message, str):
            return self.broadcast({"type": "chat", "nick": client.nick, "message": message})
        if self.extensions and kind == "me" and isinstance(message, str):
            return self.broadcast({"type": "me", "nick": client.nick, "message": message})
        if self.extensions and kind == "private" and isinstance(message, str):
            to = packet.get("to")
            targets = [c for c in self.clients.values() if c.nick == to]
            if not targets:
                return self.send(client, {"type": "error", "message": "no one called %s is here" % to})
            reply = {"type": "private", "from": client.nick, "to": to, "message": message}
            for target in set(targets + [client]):
                self.send(target, reply)
            return
        if self.extensions and kind == "who":
            nicks = sorted(c.nick for c in self.clients.values() if c.nick is not None)
            return self.send(client, {"type": "users", "nicks": nicks})
        return self.reject(client, "unknown or malformed packet of type %s" % kind)

    def readable(self, client):
        try:
            data = client.sock.recv(65536)
        except ConnectionError:
            data = b""
        if not data:
            return self.drop(client)
        client.inbox += data
        while len(client.inbox) >= 2 and not client.closing:
            (length,) = struct.unpack("!H", client.inbox[:2])
            if length == 0:
                return self.reject(client, "a packet length of zero")
            if len(client.inbox) < 2 + length:
                break
            payload, client.inbox = client.inbox[2 : 2 + length], client.inbox[2 + length :]
            self.handle(client, payload)

    def writable(self, client):
        try:
            sent = client.sock.send(client.outbox)
        except ConnectionError:
            return self.drop(client)
        client.outbox = client.outbox[sent:]
        if not client.outbox and client.closing:
            return self.drop(client)
        self.update(client)

    def serve(self):
        print("chat server ready", flush=True)
        while True:
            for key, events in self.selector.select():
                if key.data is None:
                    sock, _ = self.listener.accept()
                    sock.setblocking(False)
                    client = Client(sock)
                    self.clients[sock.fileno()] = client
                    self.selector.register(sock, selectors.EVENT_READ, client)
                    continue
                client = key.data
                if client.sock.fileno() not in self.clients:
                    continue
                if events & selectors.EVENT_READ:
                    self.readable(client)
                if client.sock.fileno() in self.clients and events & selectors.EVENT_WRITE:
                    self.writable(client)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3490)
    parser.add_argument("--no-extensions", action="store_true", help="treat me/private/who as bad input")
    parser.add_argument("--greet", action="store_true", help="send each client a packet of an unknown type")
    arguments = parser.parse_args()
    try:
        ChatServer(arguments.address, arguments.port, not arguments.no_extensions, arguments.greet).serve()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
