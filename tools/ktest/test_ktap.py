"""Tests of the KTAP parser, fed the canned logs in testdata/ and small inline streams."""

import unittest
from pathlib import Path

import ktap
from ktap import Status

TESTDATA = Path(__file__).resolve().parent / "testdata"


def parse_file(name):
    return ktap.parse((TESTDATA / name).read_bytes().decode())


def statuses(doc):
    return {name: test.status for name, test in doc.results()}


class WellFormed(unittest.TestCase):
    def test_all_pass(self):
        doc = parse_file("all_pass.log")
        self.assertTrue(doc.found and doc.complete)
        self.assertEqual(doc.unfinished, [])
        self.assertEqual(doc.problems, [])
        self.assertEqual(statuses(doc), {
            "pool.alloc_free": Status.PASS, "pool.overrun_detected": Status.PASS,
            "pool.leak_report": Status.SKIP, "strings.copy": Status.PASS,
            "strings.compare": Status.PASS})
        leak_report = dict(doc.results())["pool.leak_report"]
        self.assertEqual(leak_report.reason, "needs 2 CPUs")

    def test_failure_keeps_its_diagnostics(self):
        doc = parse_file("one_failure.log")
        self.assertTrue(doc.complete)
        failed = dict(doc.results())["pool.overrun_detected"]
        self.assertEqual(failed.status, Status.FAIL)
        self.assertEqual(failed.diagnostics, [
            "# start: overrun_detected",
            "# overrun_detected: EXPECTATION FAILED at tests/pool_test.c:42",
            "#   expected p == NULL, got 0xffff800000123000"])
        pool = doc.root.subtests[0]
        self.assertEqual((pool.name, pool.status, pool.number, pool.plan),
                         ("pool", Status.FAIL, 1, 3))
        # The suite's summary line, printed at the outer level, is the suite's.
        self.assertIn("# pool: pass:1 fail:1 skip:1 total:3", pool.diagnostics)

    def test_lines_before_the_version_line_are_ignored(self):
        doc = ktap.parse("ok 1 bios\n1..5\n# noise\nKTAP version 1\n1..1\nok 1 real\n")
        self.assertEqual(statuses(doc), {"real": Status.PASS})
        self.assertTrue(doc.complete)

    def test_unknown_lines_inside_change_nothing(self):
        doc = ktap.parse("KTAP version 1\n1..1\n"
                         "  KTAP version 1\n  # Subtest: s\n  1..2\n"
                         "kelab: cpu 1 online\n"
                         "        deeply indented kernel message\n"
                         "  ok 1 a\n"
                         "x\n"
                         "  ok 2 b\n"
                         "ok 1 s\n")
        self.assertEqual(statuses(doc), {"s.a": Status.PASS, "s.b": Status.PASS})
        self.assertTrue(doc.complete)
        self.assertEqual(doc.problems, [])

    def test_three_levels_with_two_space_indents(self):
        # The example from the KTAP specification.
        doc = parse_file("host_nested.ktap")
        self.assertTrue(doc.complete)
        self.assertEqual(statuses(doc), {
            "main_test.example_test_1.test_1": Status.PASS,
            "main_test.example_test_2.test_1": Status.SKIP,
            "main_test.example_test_2.test_2": Status.PASS,
            "main_test.example_test_3.test_1": Status.PASS,
            "main_test.example_test_3.test_2": Status.FAIL,
            "main_test.example_test_3.test_3": Status.SKIP})
        test_2 = dict(doc.results())["main_test.example_test_3.test_2"]
        self.assertEqual(test_2.diagnostics, ["# test_2: FAIL"])

    def test_directives(self):
        doc = ktap.parse("KTAP version 1\n1..6\n"
                         "not ok 1 a # SKIP not here\n"
                         "not ok 2 b # TODO broken\n"
                         "not ok 3 c # XFAIL known\n"
                         "not ok 4 d # TIMEOUT 30 seconds\n"
                         "ok 5 e # rcode=0\n"
                         "ok 6 f #skip lower case\n")
        got = {name: (test.status, test.reason) for name, test in doc.results()}
        self.assertEqual(got, {
            "a": (Status.SKIP, "not here"), "b": (Status.XFAIL, "broken"),
            "c": (Status.XFAIL, "known"), "d": (Status.FAIL, "TIMEOUT 30 seconds"),
            "e": (Status.PASS, "rcode=0"), "f": (Status.SKIP, "lower case")})

    def test_names_from_subtest_header_or_number(self):
        doc = ktap.parse("KTAP version 1\n1..2\n"
                         "    KTAP version 1\n    # Subtest: named\n    1..1\n    ok 1\n"
                         "ok 1\n"
                         "ok 2 - dashed\n")
        self.assertEqual(statuses(doc), {"named.#1": Status.PASS, "dashed": Status.PASS})

    def test_a_suite_failing_on_its_own_counts(self):
        # A suite whose setup failed: all its cases passed or never ran.
        doc = ktap.parse("KTAP version 1\n1..1\n"
                         "  KTAP version 1\n  # Subtest: s\n  1..1\n  ok 1 a\n"
                         "# s: suite exit: leaked 64 bytes\n"
                         "not ok 1 s\n")
        self.assertEqual(statuses(doc), {"s.a": Status.PASS, "s": Status.FAIL})

    def test_wrong_numbering_is_a_problem(self):
        doc = ktap.parse("KTAP version 1\n1..2\nok 1 a\nok 3 b\n")
        self.assertEqual(doc.problems, ["'b' is numbered 3, expected 2"])

    def test_no_plan_is_complete_when_nothing_is_open(self):
        doc = ktap.parse("KTAP version 1\nok 1 a\nok 2 b\n")
        self.assertTrue(doc.complete)
        self.assertEqual(len(list(doc.results())), 2)


class Truncated(unittest.TestCase):
    def test_crash_in_a_case_names_it(self):
        doc = parse_file("crash_mid_suite.log")  # CR LF line ends, too
        self.assertTrue(doc.found)
        self.assertFalse(doc.complete)
        self.assertEqual(doc.unfinished, ["pool", "overrun_detected"])
        self.assertEqual(statuses(doc), {"pool.alloc_free": Status.PASS,
                                         "pool.overrun_detected": Status.INCOMPLETE})
        self.assertIn("'pool' planned 3 tests and has 2", doc.problems)

    def test_hang_in_a_case_names_it(self):
        doc = parse_file("hang_mid_suite.log")
        self.assertEqual(doc.unfinished, ["pool", "overrun_detected"])
        self.assertFalse(doc.complete)

    def test_crash_between_cases_names_the_suite(self):
        doc = parse_file("crash_between_cases.log")
        self.assertEqual(doc.unfinished, ["pool"])
        self.assertEqual(statuses(doc), {"pool.alloc_free": Status.PASS,
                                         "pool": Status.INCOMPLETE})

    def test_crash_between_suites_leaves_the_plan_short(self):
        text = (TESTDATA / "all_pass.log").read_text()
        doc = ktap.parse(text[:text.index("ok 1 pool\n") + len("ok 1 pool\n")])
        self.assertEqual(doc.unfinished, [])
        self.assertFalse(doc.complete)
        self.assertIn("the top level planned 2 tests and has 1", doc.problems)

    def test_no_ktap_at_all(self):
        doc = ktap.parse("SeaBIOS\nBooting from DVD/CD...\n")
        self.assertFalse(doc.found)
        self.assertFalse(doc.complete)
        self.assertEqual(list(doc.results()), [])

    def test_a_restarted_document_truncates_the_first(self):
        doc = ktap.parse("KTAP version 1\n1..2\nok 1 a\nKTAP version 1\n1..2\nok 1 a\nok 2 b\n")
        self.assertFalse(doc.complete)
        self.assertEqual(statuses(doc), {"a": Status.PASS})
        self.assertEqual(doc.problems[0], "line 4: a second KTAP document was ignored")

    def test_subtest_left_without_result_joins_its_parent(self):
        doc = ktap.parse("KTAP version 1\n1..2\n"
                         "  KTAP version 1\n  # Subtest: s\n  1..1\n  ok 1 a\n"
                         "  KTAP version 1\n  # Subtest: t\n  1..1\n  ok 1 b\n"
                         "ok 2 t\n")
        self.assertIn("subtest 's' ended without a result line", doc.problems)
        self.assertEqual(statuses(doc), {"s.a": Status.PASS, "s": Status.INCOMPLETE,
                                         "t.b": Status.PASS})


if __name__ == "__main__":
    unittest.main()
