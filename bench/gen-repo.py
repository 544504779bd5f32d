#!/usr/bin/env python3
"""gen-repo.py: deterministic repositories for the benchmarks, written as a
git fast-import stream (python3 standard library only, nothing downloaded).

  gen-repo.py wide DIR      100,000 files in 5,000 leaf directories (50
                            modules, each with its CHANGELOG.md), one commit,
                            checked out with a fresh index (cache-tree primed)
  gen-repo.py history DIR [N]
                            20,000 commits (or N): changelog entries, merges
                            of side branches, and about 3% violations; the
                            first N commits are the same for every N
  gen-repo.py rootlog DIR   24,000 commits shaped like a real project's: one
                            root CHANGELOG.md of 0.5 to 1.2 MB edited by a
                            third of them, 2,000 directories, long-lived
                            branches merged, renames (see RootLog)
  gen-repo.py tiny DIR      a handful of files, for start-up costs

The same arguments always give the same commits (fixed seed, names and
dates), so runs on different days compare like with like.
"""
import os
import random
import subprocess
import sys

AUTHORS = [("Ada Lovelace", "ada@example.com"), ("Alan Turing", "alan@example.com"),
           ("Grace Hopper", "grace@example.com"), ("Edsger Dijkstra", "edsger@example.com"),
           ("Barbara Liskov", "barbara@example.com"), ("Ken Thompson", "ken@example.com"),
           ("Frances Allen", "frances@example.com"), ("Donald Knuth", "don@example.com")]
EPOCH = 1704067200  # 2024-01-01T00:00:00Z
ENV = dict(os.environ, LC_ALL="C", TZ="UTC", GIT_CONFIG_NOSYSTEM="1",
           GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
           GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com",
           # fast-import frees and reallocates large buffers for every blob;
           # glibc's default trimming turns that into a brk call each time,
           # which costs 25 times the import itself on some virtual machines.
           GLIBC_TUNABLES="glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=67108864")


def utc(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Stream:
    """Writes fast-import commands to a pipe; paths and data are bytes-safe."""

    def __init__(self, proc):
        self.out = proc.stdin
        self.marks = 0

    def raw(self, text):
        self.out.write(text.encode() if isinstance(text, str) else text)

    def data(self, payload):
        payload = payload.encode() if isinstance(payload, str) else payload
        self.raw(b"data %d\n" % len(payload))
        self.raw(payload)
        self.raw(b"\n")

    def commit(self, ref, who, when, message, changes, parents=()):
        """changes: list of (path, content or None to delete). Returns the mark."""
        self.marks += 1
        name, email = who
        self.raw("commit %s\nmark :%d\n" % (ref, self.marks))
        self.raw("author %s <%s> %d +0000\n" % (name, email, when))
        self.raw("committer %s <%s> %d +0000\n" % (name, email, when))
        self.data(message)
        for i, p in enumerate(parents):
            self.raw("%s :%d\n" % ("from" if i == 0 else "merge", p))
        for path, content in changes:
            if content is None:
                self.raw("D %s\n" % path)
            else:
                self.raw("M 100644 inline %s\n" % path)
                self.data(content)
        self.raw("\n")
        return self.marks


def git(repo, *args, **kw):
    return subprocess.run(["git", "-C", repo] + list(args), env=ENV, check=True, **kw)


def fast_import(repo, write):
    os.makedirs(repo, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    proc = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet", "--force"],
                            stdin=subprocess.PIPE, env=ENV)
    write(Stream(proc))
    proc.stdin.close()
    if proc.wait():
        sys.exit("gen-repo: git fast-import failed")


def changelog_head(title):
    return "# Changelog of %s\n\n" % title


def entry(when, author, text):
    return "- %s %s: %s\n" % (utc(when), author[0], text)


def wide(repo):
    """50 modules x 10 groups x 10 dirs x 20 files = 100,000 files."""
    def write(s):
        changes = [("README.md", "# wide benchmark repository\n"),
                   ("CHANGELOG.md", changelog_head("the repository") +
                    entry(EPOCH, AUTHORS[0], "initial import"))]
        for m in range(50):
            mod = "m%02d" % m
            changes.append(("%s/CHANGELOG.md" % mod, changelog_head(mod) +
                            entry(EPOCH, AUTHORS[m % 8], "initial import of " + mod)))
            for g in range(10):
                for d in range(10):
                    for f in range(20):
                        path = "%s/g%d/d%d/f%02d.c" % (mod, g, d, f)
                        changes.append((path, "/* %s */\nint f_%s_%d_%d_%d(void) { return %d; }\n"
                                        % (path, mod, g, d, f, f)))
        s.commit("refs/heads/main", AUTHORS[0], EPOCH, "initial import\n", changes)
    fast_import(repo, write)
    # A fresh index, as after a clone: checkout writes every entry and the
    # cache-tree extension that git diff --cached relies on.
    git(repo, "checkout", "-q", "-f", "main")


class History:
    """The 20,000-commit history: 100 modules of 20 files each, one
    CHANGELOG.md per module in nearest mode; every 100th commit starts a side
    branch of two commits in a feature module, merged back right after."""

    COMMITS = 20000

    def __init__(self, commits=COMMITS):
        self.commits = commits
        self.rng = random.Random(8)
        self.files = {}  # path -> content, code and changelogs alike
        self.n = 0
        self.t = EPOCH

    def tick(self):
        self.n += 1
        self.t += 300
        return self.t

    def touch(self, path):
        body = self.files.get(path, "/* %s */\n" % path)
        body += "int v%d;\n" % self.n
        self.files[path] = body
        return (path, body)

    def log(self, mod, line):
        path = "%s/CHANGELOG.md" % mod
        self.files[path] = self.files.get(path, changelog_head(mod)) + line
        return (path, self.files[path])

    def change(self, mod, who, when, kind):
        """One commit's changes in `mod`; `kind` says which violation, if any."""
        changes = [self.touch("%s/d%d/f%d.c" % (mod, self.rng.randrange(4), self.rng.randrange(5)))
                   for _ in range(self.rng.randrange(1, 4))]
        if kind == "no-entry":
            return changes, ""
        if kind == "not-utc":
            stamp = utc(when - 60)[:-1] + "+02:00"
            line = "- %s %s: change %d\n" % (stamp, who[0], self.n)
        elif kind == "too-old":
            line = entry(when - 3 * 86400, who, "change %d" % self.n)
        else:
            line = entry(when - 60, who, "change %d" % self.n)
        changes.append(self.log(mod, line))
        trailer = ""
        if kind == "mcp":
            changes.append(self.touch(".mcp.json"))
            trailer = "\nMCP-Authorized-By: Grace Hopper <grace@example.com>\n"
        elif kind == "mcp-unsigned":
            changes.append(self.touch(".mcp.json"))
        return changes, trailer

    def kind(self):
        r = self.rng.random()
        for name, p in (("no-entry", .01), ("not-utc", .005), ("too-old", .005),
                        ("mcp-unsigned", .002), ("mcp", .008)):
            if r < p:
                return name
            r -= p
        return "ok"

    def commit(self, s, ref, mod, parents, prefix):
        who = AUTHORS[self.rng.randrange(len(AUTHORS))]
        when = self.tick()
        changes, trailer = self.change(mod, who, when, self.kind())
        msg = "%s: change %d\n%s" % (prefix, self.n, trailer)
        return s.commit(ref, who, when, msg, changes, parents)

    def write(self, s):
        tip = None
        while self.n < self.commits:
            if self.n and self.n % 100 == 0 and self.n + 3 <= self.commits:
                tip = self.side_branch(s, tip)
            else:
                mod = "m%02d" % self.rng.randrange(100)
                tip = self.commit(s, "refs/heads/main", mod, [tip] if tip else [], mod)

    def side_branch(self, s, tip):
        mod = "feature%02d" % (self.n // 100 % 20)
        before = dict(self.files)
        side = self.commit(s, "refs/heads/side", mod, [tip], mod)
        side = self.commit(s, "refs/heads/side", mod, [side], mod)
        # The merge's tree is main's plus the side's files: a clean merge.
        touched = [(p, c) for p, c in self.files.items() if before.get(p) != c]
        when = self.tick()
        return s.commit("refs/heads/main", AUTHORS[0], when,
                        "Merge branch 'side' (%s)\n" % mod, touched, [tip, side])


def history(repo, commits=History.COMMITS):
    fast_import(repo, History(commits).write)
    git(repo, "branch", "-q", "-D", "side")
    git(repo, "repack", "-adq")


class RootLog:
    """The shape of a real project's history: 24,000 commits over 2,000
    directories, one root CHANGELOG.md of 0.5 MB growing to about 1.2 MB
    that a third of the commits edit (entries inserted near the top, under
    "## [Unreleased]"), a release heading every 300 commits, a rewrite of
    every release heading every 4,000; three long-lived branches whose
    commits interleave with main's and are merged after 150 to 500 commits
    of their own, and a rename in 1% of the commits. A .changeguard.yml
    asks for a root entry for changes under src/, as a project that exempts
    its tests and docs does; commits there carry one."""

    COMMITS = 24000
    BRANCHES = ("next", "lts", "topic")

    def __init__(self):
        self.rng = random.Random(20)
        self.t = EPOCH - 400 * 86400
        self.n = 0
        self.release = 0
        self.heading = "## [%s] - %s\n"
        self.next_release, self.next_rewrite = 300, 4000
        # main's CHANGELOG: the entries since the last release, newest
        # first, and the released part below them, as one string
        self.unreleased = []
        self.released = ""
        for r in range(65):
            self.cut_release(["- %s %s: old change %d.%d, described in a line of about this length\n" % (utc(self.t - (65 - r) * 86400 + i),
                              AUTHORS[i % 8][0], r, i) for i in range(100)])
        self.dirs = ["%s/%s%02d/p%02d" % (top, top, a, b) for top in ("src", "test", "docs")
                     for a in range(15) for b in range(45)][:2000]
        self.paths = {}  # dir -> its files
        # name -> [tip mark, its own entries, main's (unreleased, released)
        # when it forked, commits left before its merge, its file changes]
        self.branches = {}

    def cut_release(self, entries):
        self.release += 1
        date = utc(self.t)[:10]
        self.released = (self.heading % ("1.%d.0" % self.release, date) + "\n" + "".join(entries) +
                         "\n" + self.released)

    def text(self, unreleased, released):
        return "# Changelog\n\n## [Unreleased]\n\n" + "".join(unreleased) + "\n" + released

    def tick(self):
        self.n += 1
        self.t += 120
        return self.t

    def edit(self, d):
        files = self.paths.setdefault(d, ["%s/f%d.txt" % (d, i) for i in range(3)])
        path = files[self.rng.randrange(len(files))]
        return [(path, "%s\nline %d\n" % (path, self.n))]

    def rename(self, d):
        files = self.paths.setdefault(d, ["%s/f%d.txt" % (d, i) for i in range(3)])
        i = self.rng.randrange(len(files))
        old, files[i] = files[i], "%s/r%d.txt" % (d, self.n)
        return [(old, None), (files[i], "%s\nrenamed at %d\n" % (files[i], self.n))]

    def changes(self, who, when, own):
        """A commit's files, and its entry in `own` when it edits the log."""
        d = self.dirs[self.rng.randrange(len(self.dirs))]
        logged = self.rng.random() < 1 / 3
        if logged and not d.startswith("src/"):
            d = "src" + d[d.index("/"):]
        elif not logged and d.startswith("src/"):
            d = "test" + d[d.index("/"):]
        ch = self.rename(d) if self.rng.random() < .01 else self.edit(d)
        if logged:
            own.insert(0, entry(when - 60, who, "change %d in %s" % (self.n, d)))
        return ch, logged

    def main_commit(self, s, tip):
        who = AUTHORS[self.rng.randrange(len(AUTHORS))]
        when = self.tick()
        ch, logged = self.changes(who, when, self.unreleased)
        if self.n >= self.next_release:
            self.next_release += 300
            self.cut_release(self.unreleased)
            self.unreleased = [entry(when - 60, who, "release 1.%d.0" % self.release)]
            logged = True
        if self.n >= self.next_rewrite:
            self.next_rewrite += 4000
            old, self.heading = self.heading, ("## %s (%s)\n" if self.heading.startswith("## [")
                                               else "## [%s] - %s\n")
            self.released = self.rewrite(self.released, old)
        if logged:
            ch.append(("CHANGELOG.md", self.text(self.unreleased, self.released)))
        return s.commit("refs/heads/main", who, when, "change %d\n" % self.n, ch, [tip])

    def rewrite(self, released, old):
        import re
        if old.startswith("## ["):
            return re.sub(r"(?m)^## \[([^]]*)\] - (.*)$", r"## \1 (\2)", released)
        return re.sub(r"(?m)^## (\S+) \((.*)\)$", r"## [\1] - \2", released)

    def branch_commit(self, s, name):
        b = self.branches[name]
        who = AUTHORS[self.rng.randrange(len(AUTHORS))]
        when = self.tick()
        ch, logged = self.changes(who, when, b[1])
        b[4].update(ch)
        if logged:
            ch.append(("CHANGELOG.md", self.text(b[1] + b[2][0], b[2][1])))
        b[0] = s.commit("refs/heads/" + name, who, when, "%s: change %d\n" % (name, self.n), ch, [b[0]])

    def merge(self, s, tip, name):
        b = self.branches.pop(name)
        when = self.tick()
        self.unreleased = b[1] + self.unreleased
        ch = [(p, c) for p, c in b[4].items() if p != "CHANGELOG.md"]
        ch.append(("CHANGELOG.md", self.text(self.unreleased, self.released)))
        return s.commit("refs/heads/main", AUTHORS[0], when, "Merge branch '%s'\n" % name,
                        ch, [tip, b[0]])

    def write(self, s):
        files = [("README.md", "# rootlog benchmark repository\n"),
                 (".changeguard.yml", "version: 1\nchangelog:\n  mode: root\n"
                  "  require_for: ['src/**']\n"),
                 ("CHANGELOG.md", self.text(self.unreleased, self.released))]
        for d in self.dirs:
            files += [("%s/f%d.txt" % (d, i), "%s/f%d.txt\n" % (d, i)) for i in range(3)]
        tip = s.commit("refs/heads/main", AUTHORS[0], self.tick(), "initial import\n", files)
        while self.n < self.COMMITS:
            for name in self.BRANCHES:
                if name not in self.branches and self.rng.random() < .002:
                    self.branches[name] = [tip, [], (list(self.unreleased), self.released),
                                           self.rng.randrange(150, 500), {}]
            active = [n for n in self.BRANCHES if n in self.branches]
            if active and self.rng.random() < .3:
                name = active[self.rng.randrange(len(active))]
                self.branches[name][3] -= 1
                if self.branches[name][3] <= 0:
                    tip = self.merge(s, tip, name)
                else:
                    self.branch_commit(s, name)
            else:
                tip = self.main_commit(s, tip)


def rootlog(repo):
    fast_import(repo, RootLog().write)
    for name in RootLog.BRANCHES:
        subprocess.run(["git", "-C", repo, "branch", "-q", "-D", name], env=ENV,
                       stderr=subprocess.DEVNULL)
    git(repo, "repack", "-adq")


def tiny(repo):
    def write(s):
        s.commit("refs/heads/main", AUTHORS[0], EPOCH, "initial\n",
                 [("README.md", "tiny\n"), ("CHANGELOG.md", changelog_head("tiny") +
                   entry(EPOCH, AUTHORS[0], "initial")), ("src/main.c", "int main(void) { return 0; }\n")])
    fast_import(repo, write)
    git(repo, "checkout", "-q", "-f", "main")


def main():
    kinds = {"wide": wide, "history": history, "rootlog": rootlog, "tiny": tiny}
    args = sys.argv[1:]
    # Only the history takes a length: the others' shapes are fixed.
    if not (len(args) == 2 and args[0] in kinds or
            len(args) == 3 and args[0] == "history" and args[2].isdigit() and int(args[2]) > 0):
        sys.exit("usage: gen-repo.py wide|history|rootlog|tiny DIR, or gen-repo.py history DIR N")
    if os.path.exists(args[1]):
        sys.exit("gen-repo: %s exists" % args[1])
    kinds[args[0]](args[1], *(int(n) for n in args[2:]))


if __name__ == "__main__":
    main()
