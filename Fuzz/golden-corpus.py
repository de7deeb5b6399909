#!/usr/bin/env python3
"""Writes every frame of the golden captures (Tests/TernWireTests/Golden/*.pcap) as one file
in Fuzz/corpus/wire/, the fuzzer's seed corpus. Standard library only.

    python3 Fuzz/golden-corpus.py
"""
import pathlib
import struct

root = pathlib.Path(__file__).resolve().parent.parent
golden = root / "Tests" / "TernWireTests" / "Golden"
out = root / "Fuzz" / "corpus" / "wire"
out.mkdir(parents=True, exist_ok=True)

for pcap in sorted(golden.glob("*.pcap")):
    data = pcap.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    offset, number = 24, 0
    while offset + 16 <= len(data):
        _, _, captured, _ = struct.unpack(order + "IIII", data[offset:offset + 16])
        offset += 16
        number += 1
        (out / f"{pcap.stem}-{number:02d}").write_bytes(data[offset:offset + captured])
        offset += captured
    print(f"{pcap.name}: {number} frames")
