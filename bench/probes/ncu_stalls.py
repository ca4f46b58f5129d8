#!/usr/bin/env python3
"""Where a kernel's warps wait, per SASS instruction, from ncu's source page.

Produce the input on the GPU machine with

    ncu --clock-control none -k regex:apex4 --launch-count 1 \\
        --section WarpStateStats --section SourceCounters \\
        --page source --print-source sass --csv <program> > src.csv

then `ncu_stalls.py src.csv [TOP]` prints the kernel's stall reasons as shares
of all samples and the TOP instructions (default 25) with the most samples,
each with its three largest reasons.
"""
import csv
import sys


def read_rows(path):
    lines = open(path).read().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith('"Address"'))
    reader = csv.reader(lines[start:])
    header = next(reader)
    reasons = [h for h in header if h.startswith("stall_") and "Not Issued" not in h]
    rows = []
    for row in reader:
        if len(row) < len(header):
            continue
        samples = {r: int(row[header.index(r)] or 0) for r in reasons}
        rows.append((row[header.index("Address")], row[header.index("Source")].strip(), samples))
    return reasons, rows


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    reasons, rows = read_rows(sys.argv[1])
    totals = {r: sum(s[r] for _, _, s in rows) for r in reasons}
    total = sum(totals.values()) or 1
    shares = sorted(totals.items(), key=lambda item: -item[1])
    print(f"samples {total}: " + " ".join(
        f"{r[len('stall_'):]}={100 * v / total:.1f}%" for r, v in shares if v))
    for address, source, samples in sorted(rows, key=lambda r: -sum(r[2].values()))[:top]:
        largest = sorted(samples.items(), key=lambda item: -item[1])[:3]
        print(f"{sum(samples.values()):6d} {address[-5:]} {source[:60]:60s} " + " ".join(
            f"{r[len('stall_'):]}:{v}" for r, v in largest if v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
