"""Tests of kunit_rules.py: KTAP that Linux's kunit_tool reads, and each
rule it enforces broken once."""

import unittest
from pathlib import Path

import kunit_rules

TESTDATA = Path(__file__).resolve().parent / "testdata"

NESTED = """\
KTAP version 1
1..2
    KTAP version 1
    # Subtest: pool
    1..2
    # start: alloc
    ok 1 alloc
    # alloc: a diagnostic
    not ok 2 free
# pool: pass:1 fail:1 skip:0 total:2
not ok 1 pool
ok 2 single # SKIP not here
"""


class Accepted(unittest.TestCase):
    def test_nested_suites_with_diagnostics_and_a_skip(self):
        self.assertEqual(kunit_rules.check(NESTED), [])

    def test_boot_noise_before_and_a_prefix_on_every_line(self):
        text = "SeaBIOS\nbooting\n" + "".join(f"[ 0.1] {line}\n" for line in NESTED.splitlines())
        self.assertEqual(kunit_rules.check(text), [])

    def test_indentation_means_nothing(self):
        self.assertEqual(kunit_rules.check(NESTED.replace("    ", "  ")), [])

    def test_tap_13_and_a_dash_before_the_name(self):
        self.assertEqual(kunit_rules.check("TAP version 13\n1..1\nok 1 - first\n"), [])

    def test_no_plan_ends_at_the_end(self):
        self.assertEqual(kunit_rules.check("KTAP version 1\nok 1 a\nok 2 b\n"), [])

    def test_the_logs_the_runner_reads(self):
        for name in ("all_pass.log", "host_pass.ktap", "host_nested.ktap"):
            with self.subTest(name=name):
                self.assertEqual(kunit_rules.check((TESTDATA / name).read_text()), [])


class Rejected(unittest.TestCase):
    def assert_error(self, text, expected):
        errors = kunit_rules.check(text)
        self.assertTrue(any(expected in e for e in errors), errors)

    def test_no_version_line(self):
        self.assert_error("1..1\nok 1 a\n", "no KTAP output")

    def test_a_version_kunit_tool_does_not_read(self):
        self.assert_error("KTAP version 2\n1..1\nok 1 a\n", "KTAP version 2 is not one")

    def test_numbers_out_of_order(self):
        self.assert_error("KTAP version 1\n1..2\nok 1 a\nok 3 b\n", "b: numbered 3, expected 2")

    def test_fewer_results_than_planned(self):
        self.assert_error("KTAP version 1\n1..3\nok 1 a\n", "subtest 2 of the 3 planned is missing")

    def test_a_subtest_result_that_does_not_repeat_its_name(self):
        self.assert_error((TESTDATA / "host_kunit_rejects.ktap").read_text(),
                          "strings: its result line is missing")

    def test_a_parent_without_subtests(self):
        self.assert_error("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n"
                          "    1..0\nok 1 s\n", "s: 0 tests run")

    def test_the_stream_ends_inside_a_subtest(self):
        self.assert_error("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n"
                          "    1..1\n    ok 1 x\n", "the stream ended before its result line")

    def test_a_plan_where_a_result_belongs(self):
        self.assert_error("KTAP version 1\n1..2\nok 1 a\n1..4\nok 2 b\n",
                          "expected a result line, found '1..4'")


if __name__ == "__main__":
    unittest.main()
