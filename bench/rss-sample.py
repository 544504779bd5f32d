#!/usr/bin/env python3
"""rss-sample.py OUT CMD...: runs CMD (standard input, output and error
passed through) and reads /proc/PID/status of it and of every process it
starts every 10 ms; when it ends, appends one line to OUT:

  root HWM ANON FILE child HWM ANON FILE sum SUM procs N user U sys S minflt F

in KiB: for CMD's own process ("root") and for the largest of the processes
it started ("child", by VmHWM), the peak VmHWM, and the largest RssAnon
(heap) and RssFile (mapped files: packs, indexes, libraries) seen in it;
SUM is the largest sum of VmRSS over all of them at one sample (pages a
forked child shares with its parent count twice); U and S are the CPU
seconds of CMD and the children it waited for, in user space and in the
kernel, F their minor page faults. Exits with CMD's status.
Run by bench/push-rss.sh; a hook wrapped by it sees its usual arguments.
"""
import os
import subprocess
import sys
import time

FIELDS = ("VmHWM", "RssAnon", "RssFile", "VmRSS")


def tree(pid):
    """pid and its descendants, read from /proc/PID/task/*/children."""
    found = [pid]
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                for child in f.read().split():
                    found += tree(int(child))
    except OSError:
        pass  # it ended between two reads
    return found


def status(pid):
    values = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in FIELDS:
                    values[key] = int(rest.split()[0])
    except OSError:
        return None
    return values


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    proc = subprocess.Popen(cmd)
    peaks = {}  # pid -> [VmHWM, RssAnon, RssFile], each its largest
    largest_sum = 0
    while True:
        pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        total = 0
        for pid in tree(proc.pid):
            values = status(pid)
            if not values:
                continue
            p = peaks.setdefault(pid, [0, 0, 0])
            for i, key in enumerate(FIELDS[:3]):
                p[i] = max(p[i], values.get(key, 0))
            total += values.get("VmRSS", 0)
        largest_sum = max(largest_sum, total)
        time.sleep(0.01)
    root = peaks.get(proc.pid, [0, 0, 0])
    others = [v for k, v in peaks.items() if k != proc.pid]
    child = max(others) if others else [0, 0, 0]
    with open(out, "a") as f:
        f.write("root %d %d %d child %d %d %d sum %d procs %d user %.2f sys %.2f minflt %d\n"
                % (tuple(root) + tuple(child) + (largest_sum, len(peaks), usage.ru_utime,
                                                 usage.ru_stime, usage.ru_minflt)))
    sys.exit(os.waitstatus_to_exitcode(code))


if __name__ == "__main__":
    main()
