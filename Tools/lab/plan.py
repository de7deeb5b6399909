#!/usr/bin/env python3
"""Turns a router graph (tern-route's JSON) into the lab's plan, one line per item:

  router NAME ADDRESS PREFIX HOST          a router: its address and LAN, the LAN host's address
  link A B ADDRESS_A ADDRESS_B             a point-to-point link (a /30 from 100.64.0.0/10)
  route NAME DESTINATION NEXTHOP           a static route on router NAME

NAME is the router's index. The routes come from tern-route's shortest-path trees: for
each router, `tern-route GRAPH --all ROUTER` gives the path to every subnet, and the
route to that subnet goes to the second router of the path, over their link.

Usage: plan.py GRAPH.json TERN_ROUTE
       plan.py --ring N | --chain N      (writes such a graph as JSON instead)
"""
import ipaddress
import json
import subprocess
import sys


def shaped(kind: str, count: int) -> dict:
    """A ring or chain of COUNT routers, 10.(i+1).0.1/24, every link of cost 1."""
    names = [f"10.{i + 1}.0.1" for i in range(count)]
    graph = {name: {"netmask": "/24", "connections": {}} for name in names}
    pairs = [(i, i + 1) for i in range(count - 1)]
    if kind == "ring" and count > 2:
        pairs.append((count - 1, 0))
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            graph[names[x]]["connections"][names[y]] = {"netmask": "/24", "ad": 1}
    return graph


def prefix_length(netmask) -> int:
    text = str(netmask)
    if text.startswith("/"):
        return int(text[1:])
    if text.isdigit():
        return int(text)
    return ipaddress.IPv4Network(f"0.0.0.0/{text}").prefixlen


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] in ("--ring", "--chain"):
        json.dump(shaped(sys.argv[1][2:], int(sys.argv[2])), sys.stdout, indent=1)
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        graph = json.load(f)
    graph = graph.get("routers", graph)
    names = sorted(graph, key=lambda a: ipaddress.IPv4Address(a))
    index = {name: i for i, name in enumerate(names)}
    for i, name in enumerate(names):
        network = ipaddress.IPv4Interface(f"{name}/{prefix_length(graph[name]['netmask'])}").network
        host = next(h for h in network.hosts() if str(h) != name)
        print(f"router {i} {name} {network.prefixlen} {host}")
    # One link per pair of connected routers, whichever side lists it.
    pairs = sorted({tuple(sorted((index[a], index[b]))) for a in names for b in graph[a]["connections"]
                    if b in index and b != a})
    link_address = {}
    base = int(ipaddress.IPv4Address("100.64.0.0"))
    for k, (a, b) in enumerate(pairs):
        first = ipaddress.IPv4Address(base + 4 * k + 1)
        second = ipaddress.IPv4Address(base + 4 * k + 2)
        link_address[(a, b)], link_address[(b, a)] = str(second), str(first)
        print(f"link {a} {b} {first} {second}")
    for i, name in enumerate(names):
        tree = subprocess.run([sys.argv[2], sys.argv[1], "--all", name], capture_output=True, text=True)
        if tree.returncode != 0:
            sys.exit(f"tern-route failed for {name}: {tree.stderr.strip()}")
        for line in tree.stdout.splitlines():
            # "SRC -> 10.10.2.0/24 ['10.10.1.1', '10.10.2.1']  cost 70", or "… unreachable"
            words = line.split(" -> ", 1)[1]
            destination, rest = words.split(" ", 1)
            if "[" not in rest:
                continue
            path = [p.strip(" '") for p in rest[rest.index("[") + 1:rest.index("]")].split(",") if p.strip()]
            if len(path) < 2:
                continue
            neighbour = index[path[1]]
            print(f"route {i} {destination} {link_address[(i, neighbour)]}")


if __name__ == "__main__":
    main()
