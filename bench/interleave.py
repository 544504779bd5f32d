#!/usr/bin/python3
"""interleave.py: commands run in turn rather than one after the other.

    bench/interleave.py [--runs N] [--prepare CMD] [--status CODES] CMD...

hyperfine runs all the runs of one command, then all of the next, so on a
shared machine a change of load between them moves the ratio. Here each
round runs every command once (the order rotating from round to round),
after --prepare when given, so that each command sees the same load.
Prints, for each command, the median wall-clock and CPU time of its own
process tree, its median of minor page faults (which the load does not
move) and the ratios of its medians, wall and CPU, to the last command's.
Commands are split on spaces and run without a shell, in the current
directory; an exit status other than 0, or than one of --status's
comma-separated CODES (`--status 0,1` for changelog-audit history, whose
1 means findings), stops the run.
"""
import argparse
import resource
import statistics
import subprocess
import time


def timed(cmd, codes):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    status = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    if status not in codes:
        raise SystemExit('interleave.py: %s exited %d' % (' '.join(cmd), status))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall * 1000, cpu * 1000, after.ru_minflt - before.ru_minflt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=30)
    ap.add_argument('--prepare')
    ap.add_argument('--status', default='0')
    ap.add_argument('commands', nargs='+')
    args = ap.parse_args()
    cmds = [c.split() for c in args.commands]
    codes = [int(c) for c in args.status.split(',')]
    times = [[] for _ in cmds]
    for r in range(args.runs):
        for k in range(len(cmds)):
            i = (k + r) % len(cmds)
            if args.prepare:
                subprocess.run(args.prepare.split(), check=True, stdout=subprocess.DEVNULL)
            times[i].append(timed(cmds[i], codes))
    ref = statistics.median(t[0] for t in times[-1])
    ref_cpu = statistics.median(t[1] for t in times[-1])
    print('| command | median | CPU (median) | page faults (median) | ratio (median) | CPU ratio |')
    print('|---|---:|---:|---:|---:|---:|')
    for cmd, t in zip(args.commands, times):
        wall = statistics.median(x[0] for x in t)
        cpu = statistics.median(x[1] for x in t)
        faults = statistics.median(x[2] for x in t)
        print('| %s | %.1f ms | %.1f ms | %.0f | %.2f× | %.2f× |'
              % (cmd, wall, cpu, faults, wall / ref, cpu / ref_cpu))


if __name__ == '__main__':
    main()
