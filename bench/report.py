#!/usr/bin/env python3
"""report.py: a hyperfine JSON export as a markdown table, with each command's
ratio to the reference (the last command).

  report.py TITLE JSON TARGET [LABEL...]

TARGET is the highest ratio the first command may have to the reference,
or "-". Ratios are of medians: on a loaded machine the mean follows the
worst runs. The CPU column (user + system) is what the process itself spent,
for comparison when the wall clock is noisy.
"""
import json
import statistics
import sys


def main():
    title, path, target = sys.argv[1:4]
    labels = sys.argv[4:]
    with open(path) as f:
        results = json.load(f)["results"]
    ref = results[-1]
    ref_median = statistics.median(ref["times"])
    ref_cpu = ref["user"] + ref["system"]
    print("\n### %s\n" % title)
    print("| command | median | mean ± σ | min | CPU (user+sys) | ratio (median) | ratio (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for i, r in enumerate(results):
        label = labels[i] if i < len(labels) else r["command"]
        median = statistics.median(r["times"])
        cpu = r["user"] + r["system"]
        print("| %s | %.1f ms | %.1f ± %.1f ms | %.1f ms | %.1f ms | %.2f× | %.2f× |" % (
            label, median * 1e3, r["mean"] * 1e3, (r["stddev"] or 0) * 1e3,
            r["min"] * 1e3, cpu * 1e3, median / ref_median, cpu / ref_cpu if ref_cpu else 0))
    if target != "-":
        ratio = statistics.median(results[0]["times"]) / ref_median
        verdict = "met" if ratio <= float(target) else "NOT met"
        print("\nTarget: %s ≤ %s× %s: **%s** (%.2f×)" % (
            labels[0] if labels else results[0]["command"], target,
            labels[-1] if len(labels) >= len(results) else ref["command"], verdict, ratio))


if __name__ == "__main__":
    main()
