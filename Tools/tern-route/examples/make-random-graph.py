#!/usr/bin/env python3
"""Writes a random, connected router graph in tern-route's JSON format to standard output.

Usage: make-random-graph.py ROUTERS [--seed N] [--extra-links-per-router K]

Router i gets the address 10.(i / 256).(i % 256).1/24 (so up to 65,536 routers). A random
spanning tree keeps the graph connected; K * ROUTERS more random links are added (default
1, an average of about four connections per router). Every link is listed on both ends
with the same cost, a random "ad" from 1 to 100, left out (110) on one link in ten.

Example: make-random-graph.py 10000 --seed 1 > /tmp/routers-10000.json
         time tern-route /tmp/routers-10000.json 10.0.0.9 10.39.15.9
"""
import argparse
import json
import random
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("routers", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--extra-links-per-router", type=float, default=1.0)
    args = parser.parse_args()
    if not 1 <= args.routers <= 65536:
        sys.exit("ROUTERS must be between 1 and 65536")
    rng = random.Random(args.seed)
    names = [f"10.{i // 256}.{i % 256}.1" for i in range(args.routers)]
    graph = {name: {"netmask": "/24", "connections": {}} for name in names}

    def link(a: str, b: str, ad) -> None:
        for x, y in ((a, b), (b, a)):
            connection = {"netmask": "/24", "interface": f"en{len(graph[x]['connections'])}"}
            if ad is not None:
                connection["ad"] = ad
            graph[x]["connections"][y] = connection

    order = names[:]
    rng.shuffle(order)
    pairs = [(order[i], order[rng.randrange(i)]) for i in range(1, len(order))]
    for _ in range(int(args.extra_links_per_router * args.routers)):
        a, b = rng.sample(names, 2) if len(names) > 1 else (names[0], names[0])
        pairs.append((a, b))
    for a, b in pairs:
        if a != b and b not in graph[a]["connections"]:
            link(a, b, None if rng.random() < 0.1 else rng.randint(1, 100))
    json.dump(graph, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
