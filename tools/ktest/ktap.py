"""A parser for KTAP version 1, the test output format of Linux's KUnit.

KeLab's kernel prints its test results in KTAP on the serial port, and the
host test programs print them on stdout. The format, in short
(Documentation/dev-tools/ktap.rst in Linux):

    KTAP version 1              version line: a (sub)test document begins
    1..2                        plan: how many results this level will have
        KTAP version 1          a nested subtest, indented deeper
        # Subtest: pool         its name, printed ahead of its result
        1..1
        # start: alloc_free     KeLab: a case is about to run
        ok 1 alloc_free         a result: ok/not ok, number, name
    ok 1 pool                   the subtest's own result, back at the outer level
    not ok 2 strings # SKIP no  a directive after '#': SKIP, TODO, XFAIL...

Anything else is an "unknown line" (boot messages, a bugcheck's register
dump) and is ignored, wherever it appears.

A kernel under test may crash or hang half way through, so the parser does
not insist on a well-formed stream: it builds the tree of whatever results
arrived and says what was left unfinished, so the runner can name the test
that was running when the output stopped.
"""

import enum
import re
from dataclasses import dataclass, field

VERSION_RE = re.compile(r"^(?:KTAP version 1|TAP version 1[34])$")
PLAN_RE = re.compile(r"^1\.\.(\d+)$")
# <result> <number> [<description>][ # [<directive>] [<diagnostic data>]]
RESULT_RE = re.compile(r"^(ok|not ok) (\d+)(?: -)?(?: ([^#]*?))?\s*(?:#\s*(.*))?$")
SUBTEST_RE = re.compile(r"^# Subtest: (.*)$")
# KeLab's own diagnostic, printed just before each case runs, so that a
# crash in the middle of a case still names it.
START_RE = re.compile(r"^# start: (.*)$")


class Status(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    XFAIL = "xfail"  # TODO or XFAIL: known to fail, does not count as a failure
    INCOMPLETE = "incomplete"  # begun but no result line ever came

    @property
    def failed(self):
        return self in (Status.FAIL, Status.INCOMPLETE)


@dataclass
class Test:
    """One node of the result tree: a case, or a suite with subtests."""

    name: str
    status: Status = Status.INCOMPLETE
    number: int | None = None
    reason: str = ""  # text after the directive, e.g. the reason for a SKIP
    diagnostics: list[str] = field(default_factory=list)  # '#' lines before the result
    subtests: list["Test"] = field(default_factory=list)
    plan: int | None = None

    def leaves(self, path=()):
        """Yield (path, test) for every result that stands on its own.

        That is every leaf, and also a suite that failed while none of its
        cases did (a suite whose setup failed, or that crashed between two
        cases): its failure would otherwise be lost.
        """
        if not self.subtests:
            yield path, self
            return
        failed_below = False
        for sub in self.subtests:
            for sub_path, leaf in sub.leaves(path + (sub.name,)):
                failed_below |= leaf.status.failed
                yield sub_path, leaf
        if self.status.failed and not failed_below:
            yield path, self


@dataclass
class Document:
    """The outcome of parsing one stream."""

    found: bool  # a version line was seen at all
    root: Test  # its subtests are the top-level tests
    complete: bool  # every plan was fulfilled and nothing was left open
    unfinished: list[str]  # names leading to the innermost test begun and never finished
    problems: list[str]  # protocol errors worth showing a reader

    def results(self):
        """Yield (dotted name, Test) for each standalone result, e.g. 'pool.alloc_free'."""
        for top in self.root.subtests:
            for path, test in top.leaves((top.name,)):
                yield ".".join(path), test


@dataclass
class _Level:
    """A nesting level that is still open while parsing."""

    indent: int
    test: Test
    started: str | None = None  # the case named by '# start:' and not finished yet
    pending: list[str] = field(default_factory=list)  # diagnostics for the next result
    has_body: bool = False  # a result or subtest arrived: headers are over


def parse(text):
    """Parse KTAP text (str) and return a Document."""
    return _Parser().parse(text)


class _Parser:
    def __init__(self):
        self.stack = []  # open _Levels, outermost (the document itself) first
        self.problems = []

    def parse(self, text):
        root = Test(name="")
        found = False
        for number, raw in enumerate(text.splitlines(), 1):
            # Serial consoles end lines with CR LF; tabs count as spaces.
            line = raw.rstrip("\r\n").expandtabs(8)
            stripped = line.strip()
            indent = len(line) - len(line.lstrip(" "))
            if not found:
                # Everything before the first version line is boot noise.
                if VERSION_RE.match(stripped):
                    found = True
                    self.stack.append(_Level(indent, root))
                continue
            if VERSION_RE.match(stripped) and (not self.stack or indent <= self.stack[0].indent):
                # Output started over (the machine rebooted?): only the first
                # document counts, truncated where the second begins.
                self.problems.append(f"line {number}: a second KTAP document was ignored")
                break
            if self.stack:  # else the top-level plan is fulfilled: the rest is noise
                self.handle(number, indent, stripped)
        unfinished = self.close_open_levels() if self.stack else []
        self.check_plan(root)
        complete = found and not unfinished and not _plan_short(root)
        return Document(found, root, complete, unfinished, self.problems)

    def handle(self, number, indent, stripped):
        """Handle one line of the document; unknown lines change nothing."""
        deepest = self.stack[-1]
        if VERSION_RE.match(stripped):
            self.open_level(indent)
        elif match := PLAN_RE.match(stripped):
            level = deepest if indent <= deepest.indent else self.open_level(indent)
            if level.test.plan is not None:
                self.problems.append(f"line {number}: a second plan at one level")
            level.test.plan = int(match.group(1))
        elif match := RESULT_RE.match(stripped):
            if indent > deepest.indent:
                # A deeper result with no header: a subtest all the same.
                self.open_level(indent)
            self.add_result(indent, match)
        elif match := SUBTEST_RE.match(stripped):
            if indent > deepest.indent or deepest.has_body:
                deepest = self.open_level(indent)
            deepest.test.name = match.group(1).strip()
        elif stripped.startswith("#"):
            level = self.level_for(indent)
            if match := START_RE.match(stripped):
                level.started = match.group(1).strip()
            level.pending.append(stripped)

    def level_for(self, indent):
        """The innermost open level not indented deeper than `indent`."""
        for level in reversed(self.stack):
            if level.indent <= indent:
                return level
        return self.stack[0]

    def open_level(self, indent):
        """Begin a subtest at `indent`, closing any sibling left without a result."""
        while len(self.stack) > 1 and self.stack[-1].indent >= indent:
            self.close_level(result_missing=True)
        parent = self.stack[-1]
        parent.has_body = True
        # Until a header or its result line names it, a subtest is called
        # after the case its parent announced with '# start:', or its number.
        name = parent.started or f"#{len(parent.test.subtests) + 1}"
        level = _Level(indent, Test(name=name))
        self.stack.append(level)
        return level

    def close_level(self, result_missing):
        """Pop the innermost level and return its test.

        A level closed by its own result line is attached by add_result; one
        that will never get a result joins its parent as it is, INCOMPLETE.
        """
        level = self.stack.pop()
        level.test.diagnostics += level.pending
        self.check_plan(level.test)
        if result_missing:
            self.problems.append(f"subtest '{level.test.name}' ended without a result line")
            self.stack[-1].test.subtests.append(level.test)
        return level.test

    def add_result(self, indent, match):
        # A result line closes the subtests indented deeper than itself; the
        # outermost of them is the subtest this line gives the result of.
        deeper = [level for level in self.stack[1:] if level.indent > indent]
        for _ in deeper[1:]:
            self.close_level(result_missing=True)
        test = self.close_level(result_missing=False) if deeper else Test(name="")
        level = self.stack[-1]
        test.status, test.reason = _status(match.group(1), match.group(4))
        test.number = int(match.group(2))
        test.name = (match.group(3) or "").strip() or test.name or f"#{test.number}"
        test.diagnostics += level.pending
        level.pending = []
        level.started = None
        level.has_body = True
        expected_number = len(level.test.subtests) + 1
        if test.number != expected_number:
            self.problems.append(
                f"'{test.name}' is numbered {test.number}, expected {expected_number}")
        level.test.subtests.append(test)
        if len(self.stack) == 1 and level.test.plan is not None and not _plan_short(level.test):
            self.stack.pop()  # the whole document is complete

    def close_open_levels(self):
        """At the end of a truncated stream, close every open level.

        Returns the names leading to the innermost test that was begun and not
        finished: the case its level announced with '# start:' if any, else
        the deepest open subtest; [] if no test was under way.
        """
        path = [level.test.name for level in self.stack[1:]]
        deepest = self.stack[-1]
        if deepest.started:
            path.append(deepest.started)
            deepest.test.subtests.append(Test(name=deepest.started, diagnostics=deepest.pending))
            deepest.pending = []
        while len(self.stack) > 1:
            self.close_level(result_missing=True)
        root = self.stack.pop()
        root.test.diagnostics += root.pending
        return path

    def check_plan(self, test):
        if test.plan is not None and len(test.subtests) != test.plan:
            where = f"'{test.name}'" if test.name else "the top level"
            self.problems.append(
                f"{where} planned {test.plan} tests and has {len(test.subtests)}")


def _plan_short(test):
    """True if `test` has a plan and fewer results than it."""
    return test.plan is not None and len(test.subtests) < test.plan


def _status(result, directive_text):
    """Map a result word and the text after '#' to (Status, reason)."""
    directive_text = (directive_text or "").strip()
    word, _, rest = directive_text.partition(" ")
    directive = word.upper()
    if directive == "SKIP":
        return Status.SKIP, rest.strip()
    if directive in ("TODO", "XFAIL"):
        return Status.XFAIL, rest.strip()
    # Other directives (TIMEOUT, ERROR) and plain diagnostic data leave the
    # result as it is, as the specification asks of a parser.
    return (Status.PASS if result == "ok" else Status.FAIL), directive_text
