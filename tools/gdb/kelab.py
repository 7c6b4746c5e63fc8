"""kelab.py: gdb commands for looking inside a running (or stopped) KeLab.

`make debug` loads this file from the .gdbinit it writes. The commands read
the kernel's own structures through its debug information, so they work
whenever gdb has stopped the machine (a breakpoint, Ctrl-C, a bug check):

  kelab-cpus      each processor: its number, APIC ID, running and standby
                  thread, ready-queue summary, clock ticks
  kelab-threads   every thread: address, name, state, priority, processor
  kelab-lock      the dispatcher lock: free or held (by which processor),
                  and its statistics
  kelab-irql      each processor's IRQL at its last clock tick
"""

import gdb

STATES = ["init", "ready", "running", "standby", "dead", "waiting"]


def value(expression):
    return gdb.parse_and_eval(expression)


def string(array):
    """A C char array as a Python string."""
    return array.string(length=int(array.type.sizeof)).split("\0")[0]


def processors():
    """The KPRCB of every started processor."""
    count = int(value("KeNumberProcessors"))
    return [value(f"KiProcessorBlock[{i}]").dereference() for i in range(count)]


def thread_name(pointer):
    return string(pointer.dereference()["Name"]) if int(pointer) else "-"


class KelabCpus(gdb.Command):
    """Each processor: APIC ID, running and standby threads, ready queues, ticks."""

    def __init__(self):
        super().__init__("kelab-cpus", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        for prcb in processors():
            print(f"CPU{int(prcb['Number'])}: APIC {int(prcb['ApicId'])}, "
                  f"running {thread_name(prcb['CurrentThread'])}, "
                  f"standby {thread_name(prcb['NextThread'])}, "
                  f"ready summary {int(prcb['ReadySummary']):#010x}, "
                  f"{int(prcb['TickCount'])} ticks")


class KelabThreads(gdb.Command):
    """Every thread: address, name, state, priority/base, processor."""

    def __init__(self):
        super().__init__("kelab-threads", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        head = value("&KiThreadList")
        entry = head["Flink"]
        thread_type = gdb.lookup_type("KTHREAD")
        offset = int(value("&((KTHREAD *)0)->ThreadListEntry").cast(gdb.lookup_type("long")))
        while int(entry) != int(head):
            thread = gdb.Value(int(entry) - offset).cast(thread_type.pointer()).dereference()
            state = int(thread["State"])
            print(f"{int(thread.address):#018x} {string(thread['Name']):<19} "
                  f"{STATES[state] if state < len(STATES) else state:<8} "
                  f"{int(thread['Priority']):>3}/{int(thread['BasePriority']):<3} "
                  f"cpu {int(thread['NextProcessor'])}")
            entry = entry["Flink"]


class KelabLock(gdb.Command):
    """The dispatcher lock: who holds it, and how contended it has been."""

    def __init__(self):
        super().__init__("kelab-lock", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        lock = value("KiDispatcherLock")
        owner = int(lock["Owner"])
        holder = "free"
        for prcb in processors():
            if owner and owner == int(prcb.address):
                holder = f"held by CPU{int(prcb['Number'])}"
        stats = lock["Statistics"]
        print(f"dispatcher lock: {holder}")
        if int(stats):
            s = stats.dereference()
            print(f"  {int(s['Acquisitions'])} acquisitions, {int(s['Contentions'])} contended, "
                  f"{int(s['SpinIterations'])} spins")


class KelabIrql(gdb.Command):
    """Each processor's IRQL when its clock last ticked."""

    def __init__(self):
        super().__init__("kelab-irql", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        for prcb in processors():
            print(f"CPU{int(prcb['Number'])}: IRQL {int(prcb['TickInterruptedIrql'])} "
                  f"at its last clock tick")


KelabCpus()
KelabThreads()
KelabLock()
KelabIrql()
print("KeLab gdb commands: kelab-cpus, kelab-threads, kelab-lock, kelab-irql")
