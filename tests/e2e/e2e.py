"""What every end-to-end test in tests/e2e shares: KTAP output, a kernel ISO,
a serial console to type into, and `make` run as a user runs it.

Each test is an executable script that imports this module (it is not
executable itself, so the runner does not take it for a test), checks
things with Ktap.check and ends with `sys.exit(ktap.finish())`:

    ktap = e2e.Ktap("make_run")
    ktap.check("cpus_zero_is_refused", status == 2, output)
    sys.exit(ktap.finish())

The results are printed together at the end, as one KTAP suite, in the
format of the host test programs (tests/host/ktap.h).
"""

import os
import select
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNEL = os.path.join(ROOT, "build", "kernel.elf")
PROMPT = "kelab> "


class Ktap:
    """One suite of results, printed as KTAP version 1 by finish()."""

    def __init__(self, suite):
        self.suite = suite
        self.results = []  # (name, ok, detail lines shown if it failed, directive)

    def check(self, name, ok, detail=""):
        self.results.append((name, bool(ok), str(detail).splitlines()[-30:], ""))
        return ok

    def skip(self, name, reason):
        self.results.append((name, True, [], f" # SKIP {reason}"))

    def finish(self):
        """Print the suite; the exit status for the program (0 if all passed)."""
        print(f"KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: {self.suite}")
        print(f"    1..{len(self.results)}")
        for number, (name, ok, detail, directive) in enumerate(self.results, 1):
            if not ok:
                for line in detail:
                    print(f"    # {name}: {line}")
            print(f"    {'ok' if ok else 'not ok'} {number} {name}{directive}")
        failed = not self.results or not all(ok for _, ok, _, _ in self.results)
        print(f"{'not ok' if failed else 'ok'} 1 {self.suite}", flush=True)
        return 1 if failed else 0


def mkiso(directory, *options):
    """An ISO of build/kernel.elf booting with `options`; its path."""
    iso = os.path.join(directory, "kelab.iso")
    subprocess.run([os.path.join(ROOT, "tools", "mkiso"), KERNEL, iso, *options], check=True)
    return iso


def make_env():
    """The environment of a user's shell: none of the calling make's settings
    (its jobserver, its -s), so `make` behaves as typed at a terminal."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}


class Console:
    """A program whose stdin and stdout are a serial console: QEMU under
    tools/kelab-qemu, or `make run`. Everything it printed is kept in .log."""

    def __init__(self, command, env=None):
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.log = ""

    def read_until(self, text, timeout=30):
        """Everything from now up to and including `text`; None if it did not
        come within `timeout` seconds (a deadline only a hang reaches)."""
        deadline = time.monotonic() + timeout
        start = len(self.log)
        while text not in self.log[start:]:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.process.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                return None
            self.log += chunk.decode(errors="replace").replace("\r", "")
        end = self.log.index(text, start) + len(text)
        return self.log[start:end]

    def type(self, text):
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def command(self, line, timeout=30):
        """Types `line`; returns its output up to the next prompt, or None.
        The output starts after the line's echo: a prompt the console drew
        again around a message the kernel printed meanwhile (a USB device
        coming or going) is not the end of this command's output."""
        self.type(line + "\r")
        if self.read_until(line, timeout) is None:
            return None
        output = self.read_until(PROMPT, timeout)
        return None if output is None else output[:-len(PROMPT)]

    def wait(self, timeout=30):
        """The exit status, once the program ended and its output is read; None
        if it is still running after `timeout` seconds."""
        self.read_until("\0never printed\0", timeout)  # read to the end of output
        try:
            return self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 9)
        self.process.wait()
