#!/usr/bin/env python3
"""approval-history.py: benchmark 7b's history, made from benchmark 5's.

  git fast-export main | approval-history.py DIR COUNT | git fast-import

Rewrites the stream so that exactly COUNT main-line commits, one in every
20,000 / COUNT (the first after the middle of each stretch), change
.mcp.json: to DIR/mcp-K.json, the K-th version, with the root CHANGELOG.md
entry the change needs and the lines of DIR/trailers-K (a sign-off and a
Changeguard-Approval of that very change) added to the message. The
history's own .mcp.json changes, and the sign-off trailers they carried, are
dropped, so that no other commit touches .mcp.json. Every other commit keeps
its tree, author and date.
"""
import re
import sys
import time

COMMITS = 20000
MAIN_LINE = re.compile(rb"^m\d\d: change (\d+)$")


def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)).encode()


def data(payload):
    return b"data %d\n%s\n" % (len(payload), payload)


class Rewrite:
    def __init__(self, src, count):
        self.src = src
        self.count = count
        self.every = COMMITS // count
        self.done = 0
        self.changelog = b"# Changelog\n\n"

    def read_data(self, line):
        return self.src.read(int(line[5:]))

    def chosen(self, subject, ops):
        m = MAIN_LINE.match(subject)
        return (m and self.done < self.count and not any(o.startswith(b"merge ") for o in ops) and
                int(m.group(1)) >= self.every * self.done + self.every // 2)

    def commit(self, first, out):
        """Reads one commit (its first line given) and writes it rewritten."""
        head = [first]
        while True:
            line = self.src.readline()
            if line.startswith(b"data "):
                message = self.read_data(line)
                break
            head.append(line)
        ops = []
        while True:
            line = self.src.readline()
            if line in (b"\n", b""):
                break
            ops.append(line)
        ops = [o for o in ops if not o.rstrip(b"\n").endswith(b" .mcp.json")]
        subject = message.split(b"\n", 1)[0]
        message = subject + b"\n"
        if self.chosen(subject, ops):
            self.done += 1
            when = int([h for h in head if h.startswith(b"committer ")][0].split()[-2])
            with open("%s/mcp-%d.json" % (self.dir, self.done), "rb") as f:
                version = f.read()
            with open("%s/trailers-%d" % (self.dir, self.done), "rb") as f:
                message += b"\n" + f.read()
            self.changelog += b"- %s Ada Lovelace: MCP servers, version %d\n" % (
                utc(when - 60), self.done)
            ops.append(b"M 100644 inline .mcp.json\n" + data(version))
            ops.append(b"M 100644 inline CHANGELOG.md\n" + data(self.changelog))
        out.write(b"".join(head) + data(message) + b"".join(ops) + b"\n")

    def run(self, out):
        while True:
            line = self.src.readline()
            if not line:
                break
            if line.startswith(b"commit "):
                self.commit(line, out)
            elif line.startswith(b"data "):
                out.write(line + self.read_data(line))
            else:
                out.write(line)
        if self.done != self.count:
            sys.exit("approval-history: only %d of %d commits could change .mcp.json" %
                     (self.done, self.count))


def main():
    rewrite = Rewrite(sys.stdin.buffer, int(sys.argv[2]))
    rewrite.dir = sys.argv[1]
    rewrite.run(sys.stdout.buffer)


if __name__ == "__main__":
    main()
