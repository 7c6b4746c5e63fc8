"""kelab_console: a KeLab boot's serial console, for the end-to-end tests.

Console boots the kernel to its shell with QEMU's serial port on a pipe
(tools/kelab-qemu --test), types bytes and reads what comes back. screen()
replays the output through a small terminal (the subset the shell writes:
text, CR, LF, BS, BEL and ESC [ K), so a test can check what a person at
the terminal would see, not only the bytes.

Not a test itself (not executable): the runner runs tests/e2e's programs.
"""
import os
import select
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPT = "kelab> "


class Console:
    """The serial console of one QEMU, through its stdin and stdout."""

    def __init__(self, iso, cpus=2):
        self.qemu = subprocess.Popen(
            [os.path.join(ROOT, "tools", "kelab-qemu"), "--iso", iso, "--cpus", str(cpus),
             "--test"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.log = ""      # everything received, CRs removed
        self.raw = ""      # everything received, as sent
        self.consumed = 0  # how much of log read_until has handed out

    def _receive(self, timeout):
        if not select.select([self.qemu.stdout], [], [], max(timeout, 0))[0]:
            return False
        chunk = os.read(self.qemu.stdout.fileno(), 4096)
        if not chunk:
            return False
        text = chunk.decode(errors="replace")
        self.raw += text
        self.log += text.replace("\r", "")
        return True

    def read_until(self, text, timeout=30):
        """The output from where the last read ended up to and including
        text; None if it did not come within timeout seconds."""
        deadline = time.monotonic() + timeout
        while text not in self.log[self.consumed:]:
            if not self._receive(deadline - time.monotonic()):
                return None
        end = self.log.index(text, self.consumed) + len(text)
        output, self.consumed = self.log[self.consumed:end], end
        return output

    def type(self, data):
        """Sends keys: a str, or bytes for escape sequences."""
        self.qemu.stdin.write(data.encode() if isinstance(data, str) else data)
        self.qemu.stdin.flush()

    def command(self, line, timeout=30):
        """Types line and Enter; returns its output up to the next prompt,
        or None."""
        self.type(line + "\r")
        output = self.read_until(PROMPT, timeout)
        return None if output is None else output[:-len(PROMPT)]

    def later(self, output, text, timeout=30):
        """Waits for text the system prints on its own (a request that
        completes): it is in output if it came before the prompt, or else
        it comes later and the shell draws its prompt again after it.
        False if it never came."""
        if output is not None and text in output:
            return True
        return (self.read_until(text, timeout) is not None
                and self.read_until(PROMPT, timeout) is not None)

    def close(self):
        if self.qemu.poll() is None:
            self.qemu.kill()
        self.qemu.wait()

    def screen(self):
        """The rows of the terminal after everything received so far."""
        return render(self.raw)


def render(raw):
    """Replays raw output on a terminal wide enough never to wrap; returns
    its rows without trailing blanks."""
    rows, row, col, i = [[]], 0, 0, 0
    while i < len(raw):
        c = raw[i]
        i += 1
        if c == "\x1b":
            if raw[i:i + 2] == "[K":
                del rows[row][col:]
            i += 2
        elif c == "\r":
            col = 0
        elif c == "\n":
            row += 1
            col = 0
            if row == len(rows):
                rows.append([])
        elif c == "\b":
            col = max(col - 1, 0)
        elif c == "\a":
            pass
        else:
            line = rows[row]
            line.extend(" " * (col + 1 - len(line)))
            line[col] = c
            col += 1
    return ["".join(r).rstrip() for r in rows]


def boot(work, cpus=2):
    """An ISO of the built kernel in work, booted to the shell: a Console,
    or None if no prompt came."""
    iso = os.path.join(work, "kelab.iso")
    subprocess.run([os.path.join(ROOT, "tools", "mkiso"),
                    os.path.join(ROOT, "build", "kernel.elf"), iso], check=True)
    console = Console(iso, cpus)
    if console.read_until(PROMPT, 60) is None:
        console.close()
        return None
    return console


def report(suite, results):
    """Prints KTAP for (name, ok, detail) results; returns the exit status."""
    print(f"KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: {suite}")
    print(f"    1..{len(results)}")
    failed = 0
    for number, (name, ok, detail) in enumerate(results, 1):
        failed += not ok
        print(f"    {'ok' if ok else 'not ok'} {number} {name}")
        if not ok:
            for line in str(detail).splitlines()[-20:]:
                print(f"    # {line}")
    print(f"{'not ok' if failed else 'ok'} 1 {suite}")
    return 1 if failed else 0
