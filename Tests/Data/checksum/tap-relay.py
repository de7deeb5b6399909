#!/usr/bin/env python3
"""Joins two TAP devices in two network namespaces with a virtual wire.

Usage: tap-relay.py NAME_A NETNS_PATH_B NAME_B

Run it inside namespace A (`ip netns exec A tap-relay.py ...`). It creates TAP NAME_A
there, enters namespace B (NETNS_PATH_B, e.g. /run/netns/B) to create TAP NAME_B, prints
"ready", then copies every frame written by one kernel to the other until it is killed.
Both TAPs disappear when it exits. Needs root.
"""
import ctypes
import fcntl
import os
import select
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000


def open_tap(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def enter_netns(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    ns = os.open(path, os.O_RDONLY)
    if libc.setns(ns, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"setns {path}: {os.strerror(errno)}")
    os.close(ns)


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    tap_a = open_tap(sys.argv[1])
    enter_netns(sys.argv[2])
    tap_b = open_tap(sys.argv[3])
    print("ready", flush=True)
    peer = {tap_a: tap_b, tap_b: tap_a}
    while True:
        readable, _, _ = select.select(list(peer), [], [])
        for fd in readable:
            os.write(peer[fd], os.read(fd, 65536))


if __name__ == "__main__":
    main()
