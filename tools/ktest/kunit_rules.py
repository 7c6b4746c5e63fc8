"""The rules Linux's KUnit tool applies to KTAP, as a checker.

KeLab's runner reads KTAP with its own parser (ktap.py), which is lenient on
purpose: a kernel that crashes half way must still yield the results that
arrived. Linux's `kunit.py parse` (tools/testing/kunit/kunit_parser.py) is
the other reader people point at KeLab's logs, and it is stricter. This
module states its rules, so that the runner can check that every complete
KTAP stream it reads, the kernel's and each host program's, would also be
read by kunit_tool without an error:

  - the stream starts at a 'KTAP version 1' (or 'TAP version 13/14') line;
    what comes before it is ignored, and whatever stood in front of the
    version line on its line is cut from every line after it;
  - a test is either a result line, 'ok|not ok N [- ]NAME[ # DIRECTIVE]',
    or a parent: a 'KTAP version' and/or '# Subtest: NAME' header, an
    optional plan '1..N', its subtests, and (below the top level) its own
    result line, whose NAME must be the header's;
  - subtests are numbered 1, 2, ... in order; a plan's count must be met
    before the parent's result line or the end of the stream;
  - a parent with no subtest is an error ('0 tests run');
  - indentation carries no meaning (kunit_tool strips it); every line that
    is none of the above is a diagnostic and is skipped.

check(text) returns the list of errors, empty when kunit_tool would be
content. The rules were read from kunit_parser.py (Linux 6.x); no code is
taken from it.
"""

import re

VERSION_RE = re.compile(r"^\s*(K?TAP) version ([0-9]+)$")
VERSION_ANYWHERE_RE = re.compile(r"(K?TAP) version [0-9]+$")
HEADER_RE = re.compile(r"^\s*# Subtest: (.*)$")
PLAN_RE = re.compile(r"^\s*1\.\.([0-9]+)")
RESULT_RE = re.compile(r"^\s*(ok|not ok) ([0-9]+) (- )?([^#]*)( # .*)?$")
SKIP_RESULT_RE = re.compile(r"^\s*(ok|not ok) ([0-9]+) (- )?(.*) # SKIP(.*)$")
# Lines at which kunit_tool stops reading a kernel log.
END_RE = re.compile(r"\s*(List of all partitions:|Kernel panic - not syncing: VFS:|"
                    r"reboot: System halted)")
ACCEPTED_VERSIONS = {"KTAP": {1}, "TAP": {13, 14}}
STRUCTURE = (VERSION_RE, HEADER_RE, PLAN_RE, RESULT_RE)


def check(text):
    """The errors kunit_tool would report for `text`; [] if none."""
    lines = _extract(text.splitlines())
    if lines is None:
        return ["no KTAP output: no 'KTAP version' line"]
    checker = _Checker(lines)
    checker.parse_top()
    return checker.errors


def _extract(raw_lines):
    """The lines from the version line on, its prefix cut; None if there is none."""
    lines, prefix = None, 0
    for raw in raw_lines:
        line = raw.rstrip()
        if lines is None:
            if match := VERSION_ANYWHERE_RE.search(line):
                prefix = match.start()
                lines = [line[prefix:]]
        elif END_RE.search(line):
            break
        else:
            lines.append(line[prefix:])
    return lines


class _Checker:
    def __init__(self, lines):
        self.lines, self.at, self.errors = lines, 0, []

    def peek(self):
        return self.lines[self.at] if self.at < len(self.lines) else None

    def skip_diagnostics(self):
        while (line := self.peek()) is not None and not any(r.match(line) for r in STRUCTURE):
            self.at += 1

    def error(self, name, message):
        self.errors.append(f"line {self.at + 1}: {name or 'the top level'}: {message}")

    def take(self, pattern):
        """The match of `pattern` at the current line, consumed; None if it does not match."""
        line = self.peek()
        match = pattern.match(line) if line is not None else None
        if match:
            self.at += 1
        return match

    def version(self, name):
        line = self.peek()
        match = VERSION_RE.match(line) if line is not None else None
        if not match:
            return False
        kind, number = match.group(1), int(match.group(2))
        if number not in ACCEPTED_VERSIONS[kind]:
            self.error(name, f"{kind} version {number} is not one kunit_tool reads")
        self.at += 1
        return True

    def plan(self):
        self.skip_diagnostics()
        match = self.take(PLAN_RE)
        return int(match.group(1)) if match else None

    def result_names(self, name):
        """Is the current line a result line for a test called `name`?"""
        line = self.peek()
        match = RESULT_RE.match(line) if line is not None else None
        return bool(match) and match.group(4) == name

    def parse_top(self):
        self.skip_diagnostics()
        self.version("")
        self.subtests("", self.plan(), is_subtest=False)

    def subtests(self, name, planned, is_subtest):
        """Parse the subtests of a parent; return how many there were."""
        number = 1
        while planned is None or number <= planned:
            self.skip_diagnostics()
            if self.peek() is None or (is_subtest and self.result_names(name)):
                if planned is not None:
                    self.error(name, f"subtest {number} of the {planned} planned is missing")
                    number += 1
                    continue
                break
            self.test(number)
            number += 1
        count = number - 1
        if count == 0:
            self.error(name, "0 tests run: a parent with no subtest")
        return count

    def test(self, expected_number):
        """One test: a result line, or a parent with its subtests and result line."""
        has_version = self.version("")
        header = self.take(HEADER_RE)
        name = header.group(1) if header else ""
        if has_version or header:
            self.subtests(name, self.plan(), is_subtest=True)
            self.skip_diagnostics()
            if self.peek() is None:
                self.error(name, "the stream ended before its result line")
                return
            if name and not self.result_names(name):
                self.error(name, "its result line is missing (a result line must repeat the "
                           "'# Subtest:' name)")
                return
        self.result(expected_number)

    def result(self, expected_number):
        match = self.take(RESULT_RE)
        if not match:
            # A line kunit_tool cannot place: it would read it as the next
            # test's start and lose count; say where.
            self.error("", f"expected a result line, found {self.peek()!r}")
            self.at += 1
            return
        if int(match.group(2)) != expected_number:
            self.error(match.group(4), f"numbered {match.group(2)}, expected {expected_number}")
