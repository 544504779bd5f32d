#!/usr/bin/env python3
"""chainlint.py: finds broken && chains in the end-to-end scenarios.

A scenario's status is the status of its last command, so every command of a
test_expect_success body must be joined to the next one by &&, || or |; a
command followed by a newline, `;` or nothing before the next command has its
status thrown away, and the check it made can no longer fail the test. The
same holds for the helper functions the scenarios call: those a script
defines, those of lib-pre-receive.sh, and those of test-lib.sh below its
"changeguard helpers" line (the harness functions above it report results
and read statuses on purpose).

The script parses the shell it lints (quotes spanning lines, $(...), here-
documents, if/elif/else, for/while/until, case, subshells and braces) and
checks every command list inside a body, at any depth. A command whose status
the next command reads through $? is not a break; nor is one sent to the
background with &.

Usage: chainlint.py FILE...          prints file:line and the line, exit 1
       chainlint.py --self-test DIR  the samples in DIR: the lines marked
                                     "# BROKEN" must be the lines reported
"""
import os
import re
import sys

HELPERS_MARK = "# --- changeguard helpers"
LEAVERS = {"return", "exit", "break", "continue"}
CLOSERS = {"then", "elif", "else", "fi", "do", "done", "esac", "}"}
OPERATORS = ("&&", "||", ";;", "|", ";", "&", "(", ")", "\n")


class ParseError(Exception):
    pass


class Token:
    def __init__(self, kind, text, line, raw=None):
        self.kind = kind      # "word", "op" or "eof"
        self.text = text      # the word as written, or the operator
        self.line = line      # file line of the token's last character
        self.raw = raw        # a word's (character, file line) pairs

    def is_op(self, *ops):
        return self.kind == "op" and self.text in ops


class Lexer:
    """Splits text into words and operators. `lines[i]` is the file line of
    text[i], so a body taken out of a quoted argument keeps its places."""

    def __init__(self, text, lines):
        self.s, self.lines, self.i = text, lines, 0
        self.heredocs = []

    def line_at(self, i):
        return self.lines[min(max(i, 0), len(self.lines) - 1)] if self.lines else 1

    def peekc(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def tokens(self):
        out = []
        while True:
            tok = self.next()
            out.append(tok)
            if tok.kind == "eof":
                return out

    def next(self):
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t":
                self.i += 1
            elif c == "\\" and self.peekc(1) == "\n":
                self.i += 2
            elif c == "#":
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
            else:
                break
        if self.i >= len(s):
            return Token("eof", "", self.line_at(len(s) - 1))
        c = s[self.i]
        if c == "\n":
            line = self.line_at(self.i)
            self.i += 1
            self.read_heredocs()
            return Token("op", "\n", line)
        for op in OPERATORS:
            if s.startswith(op, self.i):
                self.i += len(op)
                return Token("op", op, self.line_at(self.i - 1))
        return self.word()

    def word(self):
        start, s = self.i, self.s
        raw = []
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\n;&|()":
                break
            if c == "\\" and self.peekc(1) == "\n":
                self.i += 2
                continue
            j = self.i
            if c == "<" and self.peekc(1) == "<":
                self.heredoc_start()
            elif not self.skip_quoted("'\""):
                self.i += 1
            raw.extend((s[k], self.line_at(k)) for k in range(j, min(self.i, len(s))))
        return Token("word", s[start:self.i], self.line_at(self.i - 1), raw)

    def expect_more(self, what):
        if self.i >= len(self.s):
            raise ParseError("unterminated " + what)

    def skip_quoted(self, quotes):
        """Skips what starts here when it is an escaped character, a quoted
        string (of the kinds in `quotes`), a backquote or a $ expansion."""
        c = self.peekc()
        if c == "\\":
            self.i += 2
        elif c == "'" and c in quotes:
            self.skip_single()
        elif c == '"' and c in quotes:
            self.skip_double()
        elif c == "`":
            self.skip_backquote()
        elif c == "$" and self.peekc(1) in "({":
            self.skip_dollar()
        else:
            return False
        return True

    def skip_single(self):
        self.i += 1
        while self.peekc() != "'":
            self.expect_more("single quote")
            self.i += 1
        self.i += 1

    def skip_double(self):
        self.i += 1
        while self.peekc() != '"':
            self.expect_more("double quote")
            if not self.skip_quoted(""):
                self.i += 1
        self.i += 1

    def skip_backquote(self):
        self.i += 1
        while self.peekc() != "`":
            self.expect_more("backquote")
            self.i += 2 if self.peekc() == "\\" else 1
        self.i += 1

    def skip_dollar(self):
        """$(...), $((...)) or ${...}: balanced, quotes respected."""
        close = ")" if self.peekc(1) == "(" else "}"
        open_ = "(" if close == ")" else "{"
        self.i += 2
        depth = 1
        while depth:
            self.expect_more("$" + open_)
            if not self.skip_quoted("'\"" if close == ")" else '"'):
                c = self.peekc()
                depth += (c == open_) - (c == close)
                self.i += 1

    def heredoc_start(self):
        self.i += 2
        strip = self.peekc() == "-"
        if strip:
            self.i += 1
        while self.peekc() in (" ", "\t"):
            self.i += 1
        start = self.i
        while self.i < len(self.s) and self.s[self.i] not in " \t\n;&|()<>":
            if self.s[self.i] in "'\"":
                q = self.s[self.i]
                self.i = self.s.index(q, self.i + 1) + 1
            else:
                self.i += 1
        delim = re.sub(r"[\\'\"]", "", self.s[start:self.i])
        if not delim:
            raise ParseError("here-document without a delimiter")
        self.heredocs.append((delim, strip))

    def read_heredocs(self):
        for delim, strip in self.heredocs:
            while True:
                self.expect_more("here-document " + delim)
                end = self.s.find("\n", self.i)
                end = len(self.s) if end < 0 else end
                line = self.s[self.i:end]
                self.i = min(end + 1, len(self.s))
                if (line.lstrip("\t") if strip else line) == delim:
                    break
        self.heredocs = []


class Parser:
    """Recursive descent over the tokens; `report(line)` is called for each
    command whose status is thrown away inside a checked list."""

    def __init__(self, tokens, report, on_body, function_checked):
        self.t, self.k = tokens, 0
        self.report, self.on_body = report, on_body
        self.function_checked = function_checked

    def peek(self):
        return self.t[self.k]

    def take(self):
        tok = self.t[self.k]
        if tok.kind != "eof":
            self.k += 1
        return tok

    def skip_newlines(self):
        while self.peek().is_op("\n"):
            self.take()

    def at_stop(self, stops):
        tok = self.peek()
        if tok.kind == "eof" or tok.is_op(")", ";;"):
            return True
        return tok.kind == "word" and tok.text in stops

    def expect_word(self, word):
        self.skip_newlines()
        tok = self.take()
        if tok.kind != "word" or tok.text != word:
            raise ParseError("line %d: expected '%s', found %r" % (tok.line, word, tok.text))

    def parse_list(self, stops, checked):
        """Commands up to a closing keyword in `stops`, `)`, `;;` or the end."""
        broken = None
        while True:
            self.skip_newlines()
            if self.at_stop(stops):
                return
            first = self.k
            end_line, leaves = self.parse_and_or(checked)
            if broken is not None and not self.excused(first):
                self.report(broken)
            broken = None
            tok = self.peek()
            if tok.is_op(";", "\n"):
                self.take()
                broken = end_line if checked and not leaves else None
            elif tok.is_op("&"):
                self.take()
            elif not self.at_stop(stops):
                raise ParseError("line %d: unexpected %r" % (tok.line, tok.text))

    def excused(self, first):
        """True when the command starting at token `first` makes the status
        of the one before it matter no more: it reads $?, or it fails
        whatever happened (false, return 1, exit 1)."""
        words = []
        k = first
        while self.t[k].kind == "word":
            words.append(self.t[k].text)
            k += 1
        if any("$?" in w for w in words):
            return True
        if words[:1] == ["false"]:
            return True
        return (len(words) == 2 and words[0] in ("return", "exit")
                and words[1].isdigit() and int(words[1]) != 0)

    def parse_and_or(self, checked):
        """A pipeline joined by && and ||: its last line, and whether it ends
        in return, exit, break or continue (a decision taken on the status)."""
        while True:
            start = self.k
            end_line = self.parse_command(checked)
            if not self.peek().is_op("&&", "||", "|"):
                first = self.t[start]
                return end_line, first.kind == "word" and first.text in LEAVERS
            self.take()
            self.skip_newlines()

    def parse_command(self, checked):
        tok = self.peek()
        if tok.kind == "word" and tok.text == "!":
            self.take()
            tok = self.peek()
        if tok.is_op("("):
            self.take()
            self.parse_list(CLOSERS, checked)
            if not self.take().is_op(")"):
                raise ParseError("line %d: unclosed subshell" % tok.line)
        elif tok.kind == "word" and tok.text == "{":
            self.take()
            self.parse_list(CLOSERS, checked)
            self.expect_word("}")
        elif tok.kind == "word" and tok.text == "if":
            self.parse_if(checked)
        elif tok.kind == "word" and tok.text in ("while", "until"):
            self.take()
            self.parse_list(CLOSERS, checked)
            self.parse_do(checked)
        elif tok.kind == "word" and tok.text == "for":
            self.parse_for(checked)
        elif tok.kind == "word" and tok.text == "case":
            self.parse_case(checked)
        else:
            return self.parse_simple(checked)
        return self.parse_redirections()

    def parse_if(self, checked):
        self.take()
        while True:
            self.parse_list(CLOSERS, checked)
            self.expect_word("then")
            self.parse_list(CLOSERS, checked)
            tok = self.take()
            if tok.text == "elif":
                continue
            if tok.text == "else":
                self.parse_list(CLOSERS, checked)
                self.expect_word("fi")
            elif tok.text != "fi":
                raise ParseError("line %d: expected 'fi', found %r" % (tok.line, tok.text))
            return

    def parse_do(self, checked):
        self.expect_word("do")
        self.parse_list(CLOSERS, checked)
        self.expect_word("done")

    def parse_for(self, checked):
        self.take()
        self.take()                                  # the variable
        while self.peek().kind == "word" and self.peek().text != "do":
            self.take()                              # in WORDS...
        if self.peek().is_op(";", "\n"):
            self.take()
        self.parse_do(checked)

    def parse_case(self, checked):
        self.take()
        self.take()                                  # the subject
        self.expect_word("in")
        while True:
            self.skip_newlines()
            tok = self.take()
            if tok.kind == "word" and tok.text == "esac":
                return
            if tok.kind == "eof":
                raise ParseError("unterminated case")
            while not tok.is_op(")"):                # the pattern
                if tok.kind == "eof":
                    raise ParseError("unterminated case pattern")
                tok = self.take()
            self.parse_list(CLOSERS | {"esac"}, checked)
            if self.peek().is_op(";;"):
                self.take()

    def parse_redirections(self):
        end_line = self.t[self.k - 1].line
        while self.peek().kind == "word" and self.peek().text not in CLOSERS:
            end_line = self.take().line
        return end_line

    def parse_simple(self, checked):
        words = []
        while self.peek().kind == "word":
            if not words and self.peek().text in CLOSERS:
                break
            words.append(self.take())
        if not words:
            tok = self.peek()
            raise ParseError("line %d: expected a command, found %r" % (tok.line, tok.text))
        if len(words) == 1 and self.peek().is_op("("):
            return self.parse_function(words[0], checked)
        if not checked and words[0].text == "test_expect_success" and len(words) >= 3:
            self.on_body(words[-1])
        return words[-1].line

    def parse_function(self, name, checked):
        self.take()
        if not self.take().is_op(")"):
            raise ParseError("line %d: bad function definition" % name.line)
        self.skip_newlines()
        return self.parse_command(checked or self.function_checked(name.line))


def unquote(raw):
    """A word's characters without its quotes, each with its file line."""
    out, i, quote = [], 0, None
    while i < len(raw):
        c = raw[i][0]
        if quote == "'":
            if c == "'":
                quote = None
            else:
                out.append(raw[i])
        elif c == "\\" and i + 1 < len(raw) and (quote is None or raw[i + 1][0] in '"\\$`'):
            i += 1
            out.append(raw[i])
        elif c in "'\"" and quote is None:
            quote = c
        elif c == '"' and quote == '"':
            quote = None
        else:
            out.append(raw[i])
        i += 1
    return out


def lint_file(path):
    """The broken chains of one script: a list of file line numbers."""
    with open(path, encoding="utf-8") as fp:
        text = fp.read()
    lines = []
    n = 1
    for c in text:
        lines.append(n)
        n += c == "\n"
    found = []
    helpers_from = 0
    if os.path.basename(path) == "test-lib.sh":
        mark = text.find(HELPERS_MARK)
        helpers_from = lines[mark] if mark >= 0 else n + 1

    def parse(chars, checked):
        tokens = Lexer("".join(c for c, _ in chars), [line for _, line in chars]).tokens()
        Parser(tokens, found.append, on_body, function_checked).parse_list(set(), checked)

    def on_body(word):
        parse(unquote(word.raw), True)

    def function_checked(line):
        return line >= helpers_from

    parse(list(zip(text, lines)), False)
    return sorted(set(found)), text.split("\n")


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    status = 0
    for path in argv[1:]:
        try:
            found, text = lint_file(path)
        except ParseError as e:
            print("%s: chainlint cannot parse: %s" % (path, e))
            status = 1
            continue
        for line in found:
            print("%s:%d: broken && chain: %s" % (path, line, text[line - 1].strip()))
            status = 1
    return status


def self_test(directory):
    status = 0
    samples = sorted(f for f in os.listdir(directory) if f.endswith(".sh"))
    for name in samples:
        path = os.path.join(directory, name)
        found, text = lint_file(path)
        want = [i + 1 for i, line in enumerate(text) if line.rstrip().endswith("# BROKEN")]
        verdict = "ok" if found == want else "not ok"
        print("%s %s: want %s, found %s" % (verdict, name, want, found))
        status |= found != want
    if not samples:
        print("no samples in " + directory)
        status = 1
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
