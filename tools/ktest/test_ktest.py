"""Tests of the runner: its reading of the kernel contract, and whole runs of
`ktest` against a fake QEMU launcher that replays the canned logs in testdata/
(testdata/fake/qemu explains the scenarios)."""

import importlib.machinery
import importlib.util
import json
import os
import pty
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path
from xml.etree import ElementTree

HERE = Path(__file__).resolve().parent
TESTDATA = HERE / "testdata"
FAKE = TESTDATA / "fake"
KTEST = HERE / "ktest"


def load_ktest():
    """Import the runner, whose file name has no .py."""
    loader = importlib.machinery.SourceFileLoader("ktest", str(KTEST))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("ktest", loader))
    loader.exec_module(module)
    return module


ktest = load_ktest()

# The runner's --timeout in the tests of a hang. Every other program or fake
# boot of such a test must end well within it, even on a machine loaded
# with QEMUs and sanitized builds (2 s was not enough there); the test waits
# this long for the hang.
HANG_TIMEOUT = "8"

# Boots that go right, for scenarios to start from.
LIST = {"cmdline": "kelab.mode=list", "log": "list.log", "exit": 33}
ALL_PASS = {"cmdline": "kelab.mode=test", "log": "all_pass.log", "exit": 33}
DOUBLE_FREE = {"cmdline": "kelab.mode=death kelab.test=pool.double_free",
               "log": "death_double_free.log", "exit": 37}
NULL_DEREF = {"cmdline": "kelab.mode=death kelab.test=mm.null_deref",
              "log": "death_null_deref.log", "exit": 37}
AFTER_OVERRUN = {"cmdline": "kelab.mode=test kelab.after=pool.overrun_detected",
                 "log": "after_overrun.log", "exit": 33}


def boot(cmdline, log, exit, **more):
    return {"cmdline": cmdline, "log": log, "exit": exit, **more}


def fake_run(log, exit):
    """A Run as if QEMU had printed testdata/`log` and exited with `exit`."""
    output = (TESTDATA / log).read_bytes().decode() if log else ""
    return ktest.Run([], exit, output, "", 0.0)


class KernelContract(unittest.TestCase):
    def test_list_lines(self):
        registry = ktest.parse_list((TESTDATA / "list.log").read_text())
        self.assertEqual(registry.tests, ["pool.alloc_free", "pool.overrun_detected",
                                          "pool.leak_report", "strings.copy", "strings.compare"])
        self.assertEqual([(d.name, d.code, d.params) for d in registry.deaths], [
            ("pool.double_free", 0xC2, [7, None, None, None]),
            ("mm.null_deref", 0x50, [0, None, None, None])])
        self.assertEqual(registry.errors, [])

    def test_dongle_tests_are_listed_with_their_dongle(self):
        registry = ktest.parse_list((TESTDATA / "list_dongle.log").read_text())
        self.assertEqual(registry.tests, ["pool.alloc_free", "usb.enumeration", "usb.refused"])
        self.assertEqual(registry.dongles, {"usb.enumeration": "mode=loopback,test",
                                            "usb.refused": "bad-descriptors=short"})
        self.assertEqual(registry.errors, [])

    def test_death_tests_with_a_dongle(self):
        registry = ktest.parse_list("# kelab-death: usb.w 0x000000B8 * 0x0 * 0x0 dongle=mode=loopback\n")
        self.assertEqual([(d.name, d.code, d.params, d.dongle) for d in registry.deaths],
                         [("usb.w", 0xB8, [None, 0, None, 0], "mode=loopback")])

    def test_malformed_dongle(self):
        registry = ktest.parse_list("# kelab-test: usb.x dongle=--mode\n")
        self.assertEqual(registry.errors, ["malformed dongle: # kelab-test: usb.x dongle=--mode"])

    def test_dongle_arguments(self):
        self.assertEqual(ktest.dongle_arguments("mode=loopback,test"),
                         ["--mode", "loopback", "--test"])
        self.assertEqual(ktest.dongle_arguments("bad-descriptors=zero-packet"),
                         ["--bad-descriptors", "zero-packet"])
        self.assertEqual(ktest.dongle_arguments("bad-descriptors=interfaces,plug=late"),
                         ["--bad-descriptors", "interfaces", "--late"])

    def test_malformed_death_line(self):
        registry = ktest.parse_list("# kelab-death: pool.x 0xC2 7 * *\r\n")
        self.assertEqual(registry.errors,
                         ["malformed death test line: # kelab-death: pool.x 0xC2 7 * *"])

    def test_stop_line(self):
        stop = ktest.parse_stop((TESTDATA / "crash_mid_suite.log").read_bytes().decode())
        self.assertEqual((stop.code, stop.params, stop.name),
                         (0xA, [0x10, 0x2, 0x0, 0xFFFFFFFF80101234], "IRQL_NOT_LESS_OR_EQUAL"))
        self.assertEqual(str(stop), "STOP 0x0000000A IRQL_NOT_LESS_OR_EQUAL")
        self.assertIsNone(ktest.parse_stop("kelab> STOP: 0x0000000A (0x1,0x2,0x3,0x4)\n"))

    def test_output_after_a_stop_line_is_no_test_output(self):
        serial = "KTAP version 1\n1..1\n# start: a\n*** STOP: 0x0000000A (0x1,0x2,0x3,0x4)\nok 1 a\n"
        self.assertEqual(ktest.test_output(serial), "KTAP version 1\n1..1\n# start: a\n")

    def test_globs(self):
        match = ktest.glob_match
        self.assertTrue(match("pool.*", "pool.alloc_free"))
        self.assertTrue(match("*", "x"))
        self.assertTrue(match("pool.?lloc_free", "pool.alloc_free"))
        self.assertFalse(match("pool.*", "strings.pool.x"))
        self.assertFalse(match("pool", "pool.alloc_free"))
        self.assertTrue(match("[ab]", "[ab]"))  # '[' is no wildcard in the kernel either

    def test_could_match_a_program(self):
        self.assertTrue(ktest.could_match("selftest.Parser.*", "selftest."))
        self.assertTrue(ktest.could_match("self*", "selftest."))
        self.assertTrue(ktest.could_match("*.copy", "strings_test."))
        self.assertFalse(ktest.could_match("pool.*", "selftest."))


class DeathJudgement(unittest.TestCase):
    """judge_death: None when the declared bugcheck happened, else what did."""

    DOUBLE_FREE = ktest.Death("pool.double_free", 0xC2, [7, None, None, None])

    def judge(self, log, exit):
        return ktest.judge_death(self.DOUBLE_FREE, fake_run(log, exit), 120)

    def test_the_declared_bugcheck_passes(self):
        self.assertIsNone(self.judge("death_double_free.log", 37))

    def test_wrong_code(self):
        self.assertEqual(self.judge("death_double_free_wrong_code.log", 37),
                         "got STOP 0x00000019 BAD_POOL_HEADER, "
                         "parameters (0x20, 0xFFFF800000200000, 0x0, 0x0)")

    def test_wrong_parameter(self):
        self.assertRegex(self.judge("death_double_free_wrong_param.log", 37),
                         r"^P1 was 0x6: got STOP 0x000000C2 BAD_POOL_CALLER")

    def test_a_star_parameter_matches_anything(self):
        any_p1 = ktest.Death("pool.double_free", 0xC2, [None, None, None, None])
        self.assertIsNone(ktest.judge_death(any_p1, fake_run("death_double_free_wrong_param.log", 37), 1))

    def test_body_returned(self):
        self.assertEqual(self.judge("death_returned.log", 35), "its body returned (not ok): no bugcheck")

    def test_reported_pass(self):
        self.assertEqual(self.judge("death_returned.log", 33), "the kernel reported a pass: no bugcheck")

    def test_triple_fault(self):
        self.assertEqual(self.judge("death_started.log", 0), "the machine triple-faulted: no bugcheck")

    def test_timeout(self):
        self.assertEqual(self.judge("death_started.log", None), "it hung: no output for 120 s")

    def test_bugcheck_status_without_stop_line(self):
        self.assertEqual(self.judge("death_started.log", 37),
                         "QEMU exited 37 (bugcheck) with no STOP line in the log")


class Run:
    """One run of ktest against the fake launcher, and what it left behind."""

    def __init__(self, test, boots, *args, host_tests=(), kernel=True, env=None):
        tmp = tempfile.TemporaryDirectory()
        test.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        scenario = self.dir / "scenario.json"
        scenario.write_text(json.dumps(boots))
        kernel_file = self.dir / "kernel.elf"  # never read: the fake mkiso ignores it
        kernel_file.write_text("")
        command = [str(KTEST), "--launcher", f"{FAKE / 'qemu'} {scenario}",
                   "--mkiso", f"{FAKE / 'mkiso'} {self.dir / 'mkiso.journal'}",
                   "--logdir", str(self.dir / "logs"), *args]
        if kernel:
            command += ["--kernel", str(kernel_file)]
        for path in host_tests:
            command += ["--host-tests", str(path)]
        self.process = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
        self.status = self.process.returncode
        self.lines = self.process.stdout.splitlines()
        self.boots = self.journal("scenario.json.journal")
        self.isos = [line for line in self.read("mkiso.journal").splitlines()]

    def read(self, name):
        path = self.dir / name
        return path.read_text() if path.exists() else ""

    def journal(self, name):
        return [json.loads(line) for line in self.read(name).splitlines()]

    def failures(self):
        return [line for line in self.lines if line.startswith("FAIL ")]


class EndToEnd(unittest.TestCase):
    def test_all_pass_on_two_cpu_counts(self):
        run = Run(self, [LIST, ALL_PASS, DOUBLE_FREE, NULL_DEREF], "--cpus", "1,2")
        self.assertEqual(run.status, 0, run.process.stdout)
        self.assertEqual(run.failures(), [])
        self.assertIn("cpus=1: 7 passed, 0 failed, 1 skipped in 4 boots", run.lines)
        self.assertIn("cpus=2: 7 passed, 0 failed, 1 skipped in 4 boots", run.lines)
        self.assertEqual(run.lines[-1], "14 passed, 0 failed")
        self.assertEqual(sorted((b["cmdline"], b["cpus"]) for b in run.boots), sorted(
            (b["cmdline"], cpus) for b in [LIST, ALL_PASS, DOUBLE_FREE, NULL_DEREF]
            for cpus in (1, 2)))
        # One ISO per command line, shared by both CPU counts.
        self.assertEqual(sorted(run.isos), sorted(b["cmdline"] for b in
                                                  [LIST, ALL_PASS, DOUBLE_FREE, NULL_DEREF]))
        self.assertFalse((run.dir / "logs").exists() and any((run.dir / "logs").iterdir()))

    def test_each_dongle_gets_boots_of_its_own(self):
        boots = [boot("kelab.mode=list", "list_dongle.log", 33),
                 boot("kelab.mode=test", "pool_pass.log", 33),
                 boot("kelab.mode=test kelab.dongle=mode=loopback,test",
                      "usb_enumeration_pass.log", 33),
                 boot("kelab.mode=test kelab.dongle=bad-descriptors=short",
                      "usb_refused_pass.log", 33)]
        run = Run(self, boots, "--dongle", str(FAKE / "dongle"))
        self.assertEqual(run.status, 0, run.process.stdout + run.process.stderr)
        self.assertEqual(run.lines[-1], "6 passed, 0 failed")  # three tests and their suites
        self.assertEqual(sorted((b["cmdline"], b["dongle"]) for b in run.boots), [
            ("kelab.mode=list", None),
            ("kelab.mode=test", None),
            ("kelab.mode=test kelab.dongle=bad-descriptors=short",
             ["--bad-descriptors", "short"]),
            ("kelab.mode=test kelab.dongle=mode=loopback,test", ["--mode", "loopback", "--test"])])

    def test_verbose_lists_every_test(self):
        run = Run(self, [LIST, ALL_PASS, DOUBLE_FREE, NULL_DEREF], "-v")
        self.assertIn("ok   pool.alloc_free [cpus=1]", run.lines)
        self.assertIn("skip pool.leak_report [cpus=1]: needs 2 CPUs", run.lines)
        self.assertIn("ok   pool.double_free [cpus=1]: STOP 0x000000C2 BAD_POOL_CALLER as expected",
                      run.lines)
        quiet = Run(self, [LIST, ALL_PASS, DOUBLE_FREE, NULL_DEREF])
        self.assertFalse([line for line in quiet.lines if line.startswith(("ok ", "skip "))])

    def test_a_failure_is_named_with_its_expectation_and_log(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "one_failure.log", 35),
                         DOUBLE_FREE, NULL_DEREF])
        log = run.dir / "logs" / "pool.overrun_detected.cpus1.log"
        self.assertEqual(run.failures(), [
            "FAIL pool.overrun_detected [cpus=1]: EXPECTATION FAILED at tests/pool_test.c:42 "
            f"(log: {log})"])
        self.assertIn("    # start: overrun_detected\n", log.read_text())
        self.assertIn("# ktest: reproduce: ", log.read_text())
        self.assertEqual(run.lines[-1], "6 passed, 1 failed")
        self.assertEqual(run.status, 1)

    def test_verbose_shows_a_failures_diagnostics(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "one_failure.log", 35),
                         DOUBLE_FREE, NULL_DEREF], "-v")
        at = run.lines.index(next(line for line in run.failures()))
        self.assertEqual(run.lines[at + 2], "     #   expected p == NULL, got 0xffff800000123000")

    def test_crash_mid_suite_blames_the_case_and_boots_again_after_it(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "crash_mid_suite.log", 37),
                         AFTER_OVERRUN, DOUBLE_FREE, NULL_DEREF])
        log = run.dir / "logs" / "pool.overrun_detected.cpus1.log"
        self.assertEqual(run.failures(), [
            "FAIL pool.overrun_detected [cpus=1]: crashed: STOP 0x0000000A IRQL_NOT_LESS_OR_EQUAL "
            f"(log: {log})"])
        self.assertIn(AFTER_OVERRUN["cmdline"], [b["cmdline"] for b in run.boots])
        # alloc_free from the first boot; leak_report, copy, compare from the
        # second, and its KTAP read as kunit_tool would; the two death tests.
        self.assertEqual(run.lines[-1], "7 passed, 1 failed")

    def test_hang_mid_suite_is_a_timeout_of_that_case(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "hang_mid_suite.log", 33, hang=True),
                         AFTER_OVERRUN, DOUBLE_FREE, NULL_DEREF], "--timeout", HANG_TIMEOUT)
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()],
                         ["FAIL pool.overrun_detected [cpus=1]: hung: no output for 8 s (or ran 80 s in all)"])
        self.assertEqual(run.lines[-1], "7 passed, 1 failed")

    def test_a_slow_boot_that_keeps_printing_is_not_hung(self):
        # Each line comes a little later than the last, the whole boot takes
        # longer than --timeout: it is slow, not hung.
        slow = dict(ALL_PASS, pace=float(HANG_TIMEOUT) / 16)
        run = Run(self, [LIST, slow, DOUBLE_FREE, NULL_DEREF], "--timeout", HANG_TIMEOUT)
        self.assertEqual(run.failures(), [])
        self.assertEqual(run.lines[-1], "7 passed, 0 failed")

    def test_crash_between_cases_blames_the_next_one(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "crash_between_cases.log", 37),
                         AFTER_OVERRUN, DOUBLE_FREE, NULL_DEREF])
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()], [
            "FAIL pool.overrun_detected [cpus=1]: crashed: STOP 0x0000007F "
            "UNEXPECTED_KERNEL_MODE_TRAP (in pool, before this test printed '# start:')"])

    def test_triple_fault_mid_suite(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "hang_mid_suite.log", 0),
                         AFTER_OVERRUN, DOUBLE_FREE, NULL_DEREF])
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()], [
            "FAIL pool.overrun_detected [cpus=1]: crashed: triple fault (the machine reset)"])

    def test_re_boots_are_bounded(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "crash_mid_suite.log", 37),
                         dict(AFTER_OVERRUN, log="crash_after_overrun.log", exit=37),
                         DOUBLE_FREE, NULL_DEREF], "--max-reboots", "1")
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()], [
            "FAIL pool.overrun_detected [cpus=1]: crashed: STOP 0x0000000A IRQL_NOT_LESS_OR_EQUAL",
            "FAIL pool.leak_report [cpus=1]: crashed: STOP 0x00000019 BAD_POOL_HEADER",
            *[f"FAIL {name} [cpus=1]: no result: too many crashed boots (--max-reboots 1)"
              for name in ("strings.copy", "strings.compare")]])
        self.assertEqual(run.lines[-1], "3 passed, 4 failed")
        self.assertIn("cpus=1: 3 passed, 4 failed, 0 skipped in 5 boots", run.lines)

    def test_exit_35_with_all_ok_is_inconsistent(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "all_pass.log", 35), DOUBLE_FREE, NULL_DEREF])
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()], [
            "FAIL <test boot> [cpus=1]: inconsistent: exited 35 (failed) "
            "but every test in its KTAP passed"])
        self.assertTrue((run.dir / "logs" / "test-boot.cpus1.log").exists())
        self.assertEqual(run.status, 1)

    def test_exit_33_with_a_failure_is_inconsistent(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "one_failure.log", 33), DOUBLE_FREE, NULL_DEREF])
        self.assertIn("FAIL <test boot> [cpus=1]: inconsistent: exited 33 (passed) "
                      "but its KTAP shows 1 failure(s)",
                      [f.split(" (log:")[0] for f in run.failures()])

    def test_exit_33_with_truncated_ktap_is_inconsistent(self):
        run = Run(self, [LIST, boot("kelab.mode=test", "crash_between_cases.log", 33),
                         DOUBLE_FREE, NULL_DEREF])
        failures = [f.split(" (log:")[0] for f in run.failures()]
        self.assertIn("FAIL <test boot> [cpus=1]: inconsistent: exited 33 (passed) "
                      "with its KTAP output truncated", failures)
        self.assertIn("FAIL strings.compare [cpus=1]: no result: the test boot never ran it",
                      failures)
        self.assertEqual(run.lines[-1], "3 passed, 5 failed")
        self.assertIn("# ktest: KTAP problem: 'pool' planned 3 tests and has 1\n",
                      (run.dir / "logs" / "test-boot.cpus1.log").read_text())
        # Each failure of the boot has the boot's log under its own name.
        for line in run.failures():
            name = line.split(" [cpus=1]")[0].removeprefix("FAIL ").strip("<>").replace(" ", "-")
            log = run.dir / "logs" / f"{name}.cpus1.log"
            self.assertTrue(line.endswith(f"(log: {log})") and log.exists(), line)

    def test_launcher_failure(self):
        run = Run(self, [LIST, DOUBLE_FREE, NULL_DEREF])  # no scenario for the test boot
        failures = [f.split(" (log:")[0] for f in run.failures()]
        self.assertRegex(failures[0], r"^FAIL <test boot> \[cpus=1\]: QEMU exited with status 1: "
                                      r"fake qemu: no boot in .* for cmdline 'kelab.mode=test'")
        self.assertEqual(len(failures), 6)

    def test_list_boot_crash_stops_that_cpu_count(self):
        run = Run(self, [boot("kelab.mode=list", "crash_mid_suite.log", 37)])
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()], [
            "FAIL <list boot> [cpus=1]: crashed: STOP 0x0000000A IRQL_NOT_LESS_OR_EQUAL"])
        self.assertEqual(len(run.boots), 1)
        self.assertTrue((run.dir / "logs" / "list-boot.cpus1.log").exists())


class DeathTests(unittest.TestCase):
    def death_run(self, log, exit, **more):
        """Run only pool.double_free, whose boot replays `log` and exits `exit`."""
        timeout = ["--timeout", HANG_TIMEOUT] if more.get("hang") else []
        return Run(self, [LIST, boot(DOUBLE_FREE["cmdline"], log, exit, **more)],
                   "--filter", "pool.double_free", *timeout)

    def test_passes(self):
        run = self.death_run("death_double_free.log", 37)
        self.assertEqual(run.lines[-1], "1 passed, 0 failed")
        self.assertEqual([b["cmdline"] for b in run.boots][1:], [DOUBLE_FREE["cmdline"]])

    def test_fails_for_every_reason(self):
        expected = "FAIL pool.double_free [cpus=1]: expected STOP 0x000000C2 (0x7, *, *, *), but "
        cases = [
            ("death_double_free_wrong_code.log", 37, {}, "got STOP 0x00000019 BAD_POOL_HEADER"),
            ("death_double_free_wrong_param.log", 37, {}, "P1 was 0x6"),
            ("death_returned.log", 35, {}, "its body returned (not ok)"),
            ("death_started.log", 0, {}, "the machine triple-faulted"),
            ("death_started.log", 37, {}, "QEMU exited 37 (bugcheck) with no STOP line"),
            ("death_started.log", 33, {"hang": True}, "it hung: no output for 8 s"),
        ]
        for log, exit, more, what in cases:
            with self.subTest(log=log, exit=exit):
                run = self.death_run(log, exit, **more)
                self.assertEqual(len(run.failures()), 1, run.lines)
                self.assertTrue(run.failures()[0].startswith(expected + what), run.failures())
                self.assertIn(str(run.dir / "logs" / "pool.double_free.cpus1.log"),
                              run.failures()[0])
                self.assertEqual(run.lines[-1], "0 passed, 1 failed")


def host_program(directory, name, ktap_file=None, exit=0, then=""):
    """Write a host test program that prints testdata/`ktap_file`, runs `then`, exits `exit`."""
    path = Path(directory) / name
    cat = f"cat '{TESTDATA / ktap_file}'\n" if ktap_file else "echo no ktap here\n"
    path.write_text(f"#!/bin/sh\n{cat}{then}\nexit {exit}\n")
    path.chmod(0o755)
    return path


class HostTests(unittest.TestCase):
    def host_dir(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        return Path(tmp.name)

    def test_programs_in_a_directory(self):
        directory = self.host_dir()
        host_program(directory, "lib_test", "host_pass.ktap")
        host_program(directory, "nested", "host_nested.ktap", exit=1)
        (directory / "README").write_text("not executable: not a test\n")
        run = Run(self, [], "-v", host_tests=[directory], kernel=False)
        self.assertIn("ok   lib_test.strings.strlen", run.lines)
        self.assertIn("ok   nested.main_test.example_test_3.test_1", run.lines)
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()],
                         ["FAIL nested.main_test.example_test_3.test_2: FAIL"])
        self.assertIn("ok   lib_test.kunit_format", run.lines)
        self.assertIn("host: 8 passed, 1 failed, 2 skipped", run.lines)
        self.assertEqual(run.lines[-1], "8 passed, 1 failed")
        self.assertTrue((run.dir / "logs" / "nested.main_test.example_test_3.test_2.log").exists())

    def test_ktap_kunit_tool_would_reject(self):
        directory = self.host_dir()
        host_program(directory, "renamed", "host_kunit_rejects.ktap")
        run = Run(self, [], host_tests=[directory], kernel=False)
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()], [
            "FAIL renamed.kunit_format: kunit_tool would not read this KTAP: line 8: strings: "
            "its result line is missing (a result line must repeat the '# Subtest:' name)"])
        self.assertEqual(run.lines[-1], "2 passed, 1 failed")

    def test_a_single_program_and_the_filter(self):
        directory = self.host_dir()
        program = host_program(directory, "lib_test", "host_pass.ktap")
        run = Run(self, [], "--filter", "*.strlen", host_tests=[program], kernel=False)
        self.assertEqual(run.lines[-1], "1 passed, 0 failed")
        run = Run(self, [], "--filter", "pool.*", host_tests=[program], kernel=False)
        self.assertEqual(run.lines[-2:], ["ktest: no test ran", "0 passed, 0 failed"])
        self.assertEqual(run.status, 1)

    def test_programs_that_fail_without_saying_so(self):
        directory = self.host_dir()
        host_program(directory, "liar", "host_pass.ktap", exit=1)
        host_program(directory, "silent", None, exit=0)
        host_program(directory, "segv", "hang_mid_suite.log", then="kill -SEGV $$")
        host_program(directory, "hangs", "hang_mid_suite.log", then="sleep 60")
        host_program(directory, "quits", "crash_between_cases.log", exit=0)
        run = Run(self, [], "--timeout", HANG_TIMEOUT, host_tests=[directory], kernel=False)
        self.assertEqual(sorted(f.split(" (log:")[0] for f in run.failures()), [
            "FAIL hangs.pool.overrun_detected: hung: no output for 8 s (or ran 80 s in all)",
            "FAIL liar: exited 1 (failed) but every test in its KTAP passed",
            "FAIL quits.pool: exited 0 with its KTAP output truncated",
            "FAIL segv.pool.overrun_detected: killed by SIGSEGV",
            "FAIL silent: exited 0 without any KTAP output"])


class Options(unittest.TestCase):
    def test_pass_through_to_launcher_and_kernel(self):
        seeded = [dict(b, cmdline=b["cmdline"] + " kelab.seed=7")
                  for b in (LIST, ALL_PASS, DOUBLE_FREE, NULL_DEREF)]
        run = Run(self, seeded, "--accel", "kvm", "--qemu-arg=-d int", "--qemu-arg=-s",
                  "--kernel-arg", "kelab.seed=7", "--cpus", "4")
        self.assertEqual(run.lines[-1], "7 passed, 0 failed")
        self.assertTrue(all(b["accel"] == "kvm" and b["extra"] == ["-d", "int", "-s"]
                            and b["test"] and b["cpus"] == 4 for b in run.boots))

    def test_accel_from_the_environment(self):
        run = Run(self, [LIST, ALL_PASS, DOUBLE_FREE, NULL_DEREF], env=dict(os.environ, ACCEL="kvm"))
        self.assertEqual({b["accel"] for b in run.boots}, {"kvm"})

    def test_filter_reaches_the_kernel_and_skips_death_tests(self):
        boots = [LIST, boot("kelab.mode=test kelab.filter=strings.*,nothing", "all_pass.log", 33)]
        run = Run(self, boots, "--filter", "strings.*", "--filter", "nothing")
        self.assertEqual([b["cmdline"] for b in run.boots], [b["cmdline"] for b in boots])
        # The fake replays all five results; the kernel would have run two.
        self.assertEqual(run.status, 0)

    def test_nothing_ran(self):
        run = Run(self, [LIST], "--filter", "no.such_test")
        self.assertEqual(run.lines[-2:], ["ktest: no test ran", "0 passed, 0 failed"])
        self.assertEqual(run.status, 1)

    def test_missing_kernel(self):
        run = Run(self, [], "--kernel", "/nonexistent/kernel.elf", kernel=False)
        self.assertEqual(run.status, 1)
        self.assertIn("no kernel at /nonexistent/kernel.elf; run 'make' first", run.process.stderr)

    def test_missing_tools_point_to_make_deps(self):
        kernel = Path(tempfile.mkdtemp()) / "kernel.elf"
        self.addCleanup(lambda: kernel.unlink() or kernel.parent.rmdir())
        kernel.write_text("")
        process = subprocess.run([sys.executable, str(KTEST), "--kernel", str(kernel)],
                                 capture_output=True, text=True, env={"PATH": "/nonexistent"})
        self.assertEqual(process.returncode, 1)
        self.assertIn("grub-mkrescue, xorriso, qemu-system-x86_64 not found; run 'make deps'",
                      process.stderr)

    def test_bad_options(self):
        for args, message in [(["--cpus", "1,x"], "--cpus wants numbers"),
                              (["--cpus", "0"], "between 1 and 64"),
                              (["--accel", "hvf"], "must be tcg or kvm"),
                              (["--filter", "a b"], "no spaces"),
                              (["--kernel-arg", "kelab.mode=run"], "sets kelab.mode itself"),
                              (["--no-such-option"], "unrecognized arguments")]:
            with self.subTest(args=args):
                run = Run(self, [], *args)
                self.assertEqual(run.status, 2)
                self.assertIn(message, run.process.stderr)

    def test_nothing_to_run(self):
        run = Run(self, [], kernel=False)
        self.assertEqual(run.status, 2)
        self.assertIn("nothing to run", run.process.stderr)


class Reporting(unittest.TestCase):
    """What the runner tells people and machines besides the results."""

    FAILING = [LIST, boot("kelab.mode=test", "one_failure.log", 35), DOUBLE_FREE, NULL_DEREF]

    def test_repeat_names_the_run_of_each_failure(self):
        run = Run(self, self.FAILING, "--repeat", "2")
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()], [
            "FAIL pool.overrun_detected [cpus=1] (run 1): EXPECTATION FAILED at tests/pool_test.c:42",
            "FAIL pool.overrun_detected [cpus=1] (run 2): EXPECTATION FAILED at tests/pool_test.c:42"])
        for number in (1, 2):
            log = run.dir / "logs" / f"run{number}" / "pool.overrun_detected.cpus1.log"
            self.assertIn(f"(log: {log})", run.failures()[number - 1])
        self.assertIn("cpus=1: 12 passed, 2 failed, 2 skipped in 8 boots", run.lines)
        self.assertEqual(run.lines[-2:], ["ktest: 2 runs, failures in run 1, 2",
                                          "12 passed, 2 failed"])
        self.assertEqual(len(run.boots), 8)

    def test_repeat_without_failures(self):
        run = Run(self, [LIST, ALL_PASS, DOUBLE_FREE, NULL_DEREF], "--repeat", "3")
        self.assertEqual(run.lines[-2:], ["ktest: 3 runs, no failure", "21 passed, 0 failed"])
        self.assertEqual(run.status, 0)

    def test_junit_xml_counts_every_result(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = Path(tmp.name) / "reports" / "junit.xml"
        run = Run(self, self.FAILING, "--junit", str(path))
        root = ElementTree.parse(path).getroot()
        self.assertEqual((root.tag, root.get("tests"), root.get("failures"), root.get("skipped")),
                         ("testsuites", "8", "1", "1"))
        suite = root.find("testsuite")
        self.assertEqual((suite.get("name"), suite.get("tests")), ("cpus=1", "8"))
        cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
        failed = cases[("cpus1.pool", "overrun_detected")].find("failure")
        self.assertEqual(failed.get("message"), "EXPECTATION FAILED at tests/pool_test.c:42")
        self.assertIn("log: ", failed.text)
        self.assertIsNotNone(cases[("cpus1.pool", "leak_report")].find("skipped"))
        self.assertIsNone(cases[("cpus1.pool", "double_free")].find("failure"))
        self.assertEqual(run.lines[-1], "6 passed, 1 failed")

    def test_progress_line_on_a_terminal_only(self):
        plain = Run(self, self.FAILING)
        self.assertNotIn("\r", plain.process.stdout)
        self.assertFalse([line for line in plain.lines if "runs done" in line])
        primary, secondary = pty.openpty()
        self.addCleanup(os.close, primary)
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        scenario = Path(tmp.name) / "scenario.json"
        scenario.write_text(json.dumps(self.FAILING))
        (Path(tmp.name) / "kernel.elf").write_text("")
        process = subprocess.Popen(
            [str(KTEST), "--kernel", str(Path(tmp.name) / "kernel.elf"),
             "--launcher", f"{FAKE / 'qemu'} {scenario}",
             "--mkiso", f"{FAKE / 'mkiso'} {Path(tmp.name) / 'mkiso.journal'}",
             "--logdir", str(Path(tmp.name) / "logs")], stdout=secondary, stderr=secondary)
        os.close(secondary)
        output = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal's last user closed it: the runner ended
                break
            if not chunk:
                break
            output += chunk
        process.wait(timeout=60)
        text = output.decode()
        # The list boot is one run; when it is done it queues three more.
        self.assertRegex(text, r"\r\033\[Kktest: 0/1 runs done, \d+:\d\d elapsed, 0 failed")
        self.assertRegex(text, r"\r\033\[Kktest: 1/4 runs done, \d+:\d\d elapsed, 0 failed")
        self.assertRegex(text, r"\r\033\[Kktest: 4/4 runs done, \d+:\d\d elapsed, 1 failed")
        # A result line never shares its line with the progress line.
        self.assertIn("\r\033[KFAIL pool.overrun_detected [cpus=1]", text)
        self.assertTrue(text.replace("\r\n", "\n").endswith("6 passed, 1 failed\n"))

    def test_grub_that_could_not_load_the_kernel(self):
        run = Run(self, [boot("kelab.mode=list", "grub_out_of_memory.log", 39)])
        self.assertEqual([f.split(" (log:")[0] for f in run.failures()], [
            "FAIL <list boot> [cpus=1]: GRUB could not load the kernel: out of memory."])


class Interrupt(unittest.TestCase):
    def test_ctrl_c_kills_every_boot(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        directory = Path(tmp.name)
        scenario = directory / "scenario.json"
        scenario.write_text(json.dumps([boot("kelab.mode=list", "list.log", 33, hang=True)]))
        (directory / "kernel.elf").write_text("")
        # SIGINT as at a terminal, even if this test runs where it is ignored
        # (a shell's background job): Python turns it into KeyboardInterrupt
        # only if it starts with the default action.
        process = subprocess.Popen(
            [str(KTEST), "--kernel", str(directory / "kernel.elf"), "--cpus", "1,2",
             "--launcher", f"{FAKE / 'qemu'} {scenario}",
             "--mkiso", f"{FAKE / 'mkiso'} {directory / 'mkiso.journal'}",
             "--logdir", str(directory / "logs")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        journal = Path(str(scenario) + ".journal")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
                not journal.exists() or len(journal.read_text().splitlines()) < 2):
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
        self.assertEqual(process.returncode, 130)
        self.assertIn("ktest: interrupted", stderr)
        for line in journal.read_text().splitlines():
            with self.assertRaises(ProcessLookupError):
                os.kill(json.loads(line)["pid"], 0)


if __name__ == "__main__":
    unittest.main()
