#!/usr/bin/env python3
"""Print the benchmark table (markdown) from the NAME.json files written by harness.py and
tap_ceiling.sh.

usage: ./summarize.py [RESULTS_DIR]   (default $BENCH_OUT/results, BENCH_OUT default /tmp/tern-bench)
Columns are the entries present: reflector, reflector_busy, tern, lwip, kernel, ...;
tap_ceiling adds its own small table. Every figure is the median over the runs recorded in the
JSON. The "started" row shows when each entry was measured: compare only entries measured in the
same run_all.sh invocation. Reads only; writes nothing but stdout.
"""
import json
import os
import sys

sys.dont_write_bytecode = True
bench_out = os.path.abspath(os.environ.get("BENCH_OUT") or "/tmp/tern-bench")
d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(bench_out, "results")
names = [("reflector", "C reflector (TAP)"), ("reflector_busy", "C reflector, busy-poll (TAP)"),
         ("tern", "Tern (TAP)"), ("lwip", "lwIP 2.1.3 (TAP)"),
         ("kernel", "Linux + nginx (veth)"),
         ("kernel_nooffload", "Linux + nginx (veth, TSO/GSO/GRO/csum off)"),
         ("kernel_2workers", "Linux + nginx, 2 workers (veth)")]
res = {}
for n, _ in names:
    p = os.path.join(d, f"{n}.json")
    if os.path.exists(p):
        res[n] = json.load(open(p))
cols = [(n, label) for n, label in names if n in res]
if not res and not os.path.exists(os.path.join(d, "tap_ceiling.json")):
    sys.exit(f"summarize.py: no results in {d} (run run_all.sh or harness.py first)")


def g(r, *path):
    for k in path:
        if r is None or k not in r:
            return None
        r = r[k]
    return r


def fmt(v, nd=3):
    if v is None:
        return "–"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:.{nd}g}" if abs(v) < 1 else f"{v:.{nd}g}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


rows = [
    ("started", lambda r: (r.get("started") or "")[:16].replace("T", " ") or None),
    ("ping RTT avg, ms (`ping -c 200 -i 0.002`)", lambda r: g(r, "tests", "ping", "median", "avg_ms")),
    ("ping RTT median of per-packet times, ms", lambda r: g(r, "tests", "ping", "median", "median_ms")),
    ("ping RTT p99, ms", lambda r: g(r, "tests", "ping", "median", "p99_ms")),
    ("ping RTT mdev, ms", lambda r: g(r, "tests", "ping", "median", "mdev_ms")),
    ("ping loss, %", lambda r: g(r, "tests", "ping", "median", "loss_pct")),
    ("flood ping RTT avg, ms (`ping -f -c 5000`)", lambda r: g(r, "tests", "flood", "median", "avg_ms")),
    ("bulk download, MiB/s (curl 100 MiB, median)", lambda r: g(r, "tests", "bulk", "median_MiB_per_s")),
    ("bulk download, Gbit/s", lambda r: g(r, "tests", "bulk", "median_Gbit_per_s")),
    ("bulk, min–max of the runs, MiB/s", lambda r: None if not g(r, "tests", "bulk", "ok_runs") else
        "{:.0f}–{:.0f}".format(min(x["MiB_per_s"] for x in r["tests"]["bulk"]["runs"] if x.get("ok")),
                               max(x["MiB_per_s"] for x in r["tests"]["bulk"]["runs"] if x.get("ok")))),
    ("sha256 of big.bin / small.txt correct", lambda r: None if g(r, "tests", "bulk") is None else
        f"{g(r, 'tests', 'bulk', 'sha256_big', 'ok')} / {g(r, 'tests', 'bulk', 'sha256_small', 'ok')}"),
    ("server CPU s per GiB downloaded", lambda r: None if not g(r, "tests", "bulk", "ok_runs") else
        round(g(r, "phases", "bulk", "server_cpu_s") / ((g(r, "tests", "bulk", "ok_runs") + 1) * 100 / 1024), 2)),
    ("machine CPU busy during bulk, % of all cores", lambda r: g(r, "phases", "bulk", "machine_busy_pct_all_cores")),
]
for mode in ("keepalive", "close"):
    for c in (1, 16):
        rows.append((f"small.txt req/s, wrk -c{c} {'keep-alive' if mode == 'keepalive' else 'Connection: close'}",
                     lambda r, k=f"c{c}_{mode}": g(r, "tests", "rate", k, "median_req_per_s")))
        rows.append(("  server CPU µs per request",
                     lambda r, k=f"c{c}_{mode}": g(r, "tests", "rate", k, "median_server_cpu_us_per_req")))
        rows.append(("  errors (socket + non-2xx) / runs where wrk hung",
                     lambda r, k=f"c{c}_{mode}": None if g(r, "tests", "rate", k) is None else
                     f"{g(r, 'tests', 'rate', k, 'errors_total')} / {g(r, 'tests', 'rate', k, 'hung_runs')}"))
rows += [
    ("server CPU s during the rate phase", lambda r: g(r, "phases", "rate", "server_cpu_s")),
    ("idle RSS, KiB (anon)", lambda r: None if r.get("idle_rss_kib") is None else
        f"{r['idle_rss_kib']} ({r.get('idle_rss_anon_kib')})"),
    ("peak RSS, KiB (anon)", lambda r: None if r.get("peak_rss_kib_sampled") is None else
        f"{r['peak_rss_kib_sampled']} ({r.get('peak_rss_anon_kib_sampled')})"),
]

if cols:
    print("| metric | " + " | ".join(label for _, label in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for label, fn in rows:
        vals = [fmt(fn(res[n])) for n, _ in cols]
        if all(v == "–" for v in vals):
            continue
        print(f"| {label} | " + " | ".join(vals) + " |")

tc = os.path.join(d, "tap_ceiling.json")
if os.path.exists(tc):
    t = json.load(open(tc))
    if cols:
        print()
    print("| raw TAP, one thread, no stack | frame bytes | frames/s | Gbit/s | ns/frame |")
    print("|---|---|---|---|---|")
    for s in t["summary"]:
        what = {"drop": "write (kernel drops: unknown ethertype)",
                "udp": "write (kernel IPv4/UDP input, no socket)",
                "read": "read (kernel UDP sendmmsg → TAP)"}[s["mode"]]
        print(f"| {what} | {s['frame_bytes']} | {s['median_frames_per_s']:,.0f} | "
              f"{s['median_gbit_per_s']:.2f} | {s['median_ns_per_frame']:.0f} |")
