/*
 * shell_test.c: the shell's listings do not stop the machine, and say
 * what is true.
 *
 * `threads` and `ready` show what the dispatcher lock protects. They copy
 * it under the lock and print the copy after releasing it, so a long
 * listing on one processor must not stop another processor's threads.
 * The test proves it with a ping-pong (two threads handing an event back
 * and forth, every hand-over through the dispatcher lock) on the other
 * processors, and a listing made long with many waiting threads and slow
 * on purpose: its output goes to a sink that, at the end of every line,
 * waits until the ping-pong has made more round trips. Progress is
 * measured by counting round trips, never by time; a listing that held
 * the lock while printing would wait for a count that cannot come, and
 * the test would fail at a deadline only a hang reaches. With one
 * processor the ping-pong shares it with the listing: it runs while the
 * listing waits, which a listing at raised IRQL could not do.
 */
#include "ktest.h"
#include "ke.h"
#include "hal.h"
#include "kd.h"

#define SHELL_TEST_WAITERS     64    /* threads that make `threads` long */
#define SHELL_TEST_ROUNDS      20    /* round trips the listing waits for at each line */
#define SHELL_TEST_DEADLINE_MS 10000 /* only a hang takes this long */
#define SHELL_TEST_TEXT        16384

typedef struct _PING_PONG {
    KEVENT Ping, Pong;
    volatile LONG Rounds; /* round trips made */
    volatile LONG Target; /* Progress is set once Rounds reaches it */
    KEVENT Progress;
    volatile BOOLEAN Stop;
    volatile LONG Timeouts; /* waits that ended without their event: a failure */
} PING_PONG;

static LARGE_INTEGER ShellTestDeadline(VOID)
{
    return (LARGE_INTEGER){.QuadPart = -(LONGLONG)SHELL_TEST_DEADLINE_MS * 10000};
}

/* Sets Ping, waits for Pong: one round trip, counted. */
static VOID Pinger(PVOID Context)
{
    PING_PONG *p = Context;
    LARGE_INTEGER timeout = ShellTestDeadline();
    while (!p->Stop) {
        KeSetEvent(&p->Ping, IO_NO_INCREMENT, FALSE);
        if (KeWaitForSingleObject(&p->Pong, Executive, KernelMode, FALSE, &timeout) !=
            STATUS_SUCCESS) {
            __atomic_add_fetch(&p->Timeouts, 1, __ATOMIC_RELAXED);
            break;
        }
        if (__atomic_add_fetch(&p->Rounds, 1, __ATOMIC_RELAXED) >= p->Target)
            KeSetEvent(&p->Progress, IO_NO_INCREMENT, FALSE);
    }
    KeSetEvent(&p->Ping, IO_NO_INCREMENT, FALSE); /* the ponger's last wait */
}

/* Answers every Ping with a Pong, the last one too. */
static VOID Ponger(PVOID Context)
{
    PING_PONG *p = Context;
    LARGE_INTEGER timeout = ShellTestDeadline();
    for (;;) {
        if (KeWaitForSingleObject(&p->Ping, Executive, KernelMode, FALSE, &timeout) !=
            STATUS_SUCCESS) {
            __atomic_add_fetch(&p->Timeouts, 1, __ATOMIC_RELAXED);
            return;
        }
        KeSetEvent(&p->Pong, IO_NO_INCREMENT, FALSE);
        if (p->Stop)
            return;
    }
}

/* What a listing printed, and how it went. */
typedef struct _LISTING {
    PING_PONG *PingPong;
    ULONG Lines;
    KIRQL HighestIrql; /* where the listing printed from */
    BOOLEAN Stuck;     /* the ping-pong stopped while a line was printed */
    ULONG Length;
    CHAR Text[SHELL_TEST_TEXT];
} LISTING;

/* Waits until the ping-pong has made SHELL_TEST_ROUNDS more round trips;
   FALSE if it did not by the deadline. A listing printed at raised IRQL
   cannot block, so there it spins, watching the count and the clock. */
static BOOLEAN WaitForRoundTrips(PING_PONG *PingPong)
{
    LONG target = __atomic_load_n(&PingPong->Rounds, __ATOMIC_RELAXED) + SHELL_TEST_ROUNDS;
    ULONGLONG deadline = KeQueryInterruptTime() + SHELL_TEST_DEADLINE_MS * 10000ull;
    KeClearEvent(&PingPong->Progress);
    __atomic_store_n(&PingPong->Target, target, __ATOMIC_RELAXED);
    while (__atomic_load_n(&PingPong->Rounds, __ATOMIC_RELAXED) < target) {
        if (KeQueryInterruptTime() > deadline)
            return FALSE;
        if (KeGetCurrentIrql() < DISPATCH_LEVEL) {
            LARGE_INTEGER timeout = ShellTestDeadline();
            KeWaitForSingleObject(&PingPong->Progress, Executive, KernelMode, FALSE, &timeout);
        } else {
            YieldProcessor();
        }
    }
    return TRUE;
}

static VOID ListingSink(PVOID Context, CHAR c)
{
    LISTING *l = Context;
    KIRQL irql = KeGetCurrentIrql();
    if (irql > l->HighestIrql)
        l->HighestIrql = irql;
    if (l->Length + 1 < sizeof(l->Text))
        l->Text[l->Length++] = c;
    if (c != '\n')
        return;
    l->Lines++;
    if (!l->Stuck && !WaitForRoundTrips(l->PingPong))
        l->Stuck = TRUE; /* once: the rest of the listing goes at full speed */
}

static VOID Waiter(PVOID Context)
{
    LARGE_INTEGER timeout = ShellTestDeadline();
    KeWaitForSingleObject(Context, Executive, KernelMode, FALSE, &timeout);
}

/* Runs Command with its output slowed down line by line, while a
   ping-pong runs on the other processors (or beside it, with one). */
static VOID ListWhilePingPong(PCSTR Command, LISTING *Listing)
{
    static PING_PONG p;
    RtlZeroMemory(&p, sizeof(p));
    KeInitializeEvent(&p.Ping, SynchronizationEvent, FALSE);
    KeInitializeEvent(&p.Pong, SynchronizationEvent, FALSE);
    KeInitializeEvent(&p.Progress, NotificationEvent, FALSE);
    p.Target = 0x7FFFFFFF;
    KAFFINITY others = KeNumberProcessors > 1 ? KeQueryActiveProcessors() & ~(KAFFINITY)1 : 1;
    KAFFINITY old = KeSetSystemAffinityThreadEx(1); /* the listing on processor 0 */
    PKTHREAD ponger = KtStartThread(Ponger, &p, 0, others);
    PKTHREAD pinger = KtStartThread(Pinger, &p, 0, others);
    KT_EXPECT_NOT_NULL(ponger);
    KT_EXPECT_NOT_NULL(pinger);
    BOOLEAN going = ponger != NULL && pinger != NULL && WaitForRoundTrips(&p);
    KT_EXPECT_TRUE(going);
    if (going) {
        Listing->PingPong = &p;
        KT_EXPECT_EQ(KdExecuteCommand(Command, ListingSink, Listing), STATUS_SUCCESS);
        Listing->Text[Listing->Length] = 0;
    }
    p.Stop = TRUE;
    KeSetEvent(&p.Ping, IO_NO_INCREMENT, FALSE); /* whichever of them is waiting */
    KeSetEvent(&p.Pong, IO_NO_INCREMENT, FALSE);
    if (pinger != NULL)
        KtJoinThread(pinger, 20000);
    if (ponger != NULL)
        KtJoinThread(ponger, 20000);
    KeRevertToUserAffinityThreadEx(old);
    KT_EXPECT_EQ(p.Timeouts, 0);
}

static BOOLEAN Contains(PCSTR Text, PCSTR Part)
{
    SIZE_T n = strlen(Part);
    for (; *Text; Text++) {
        if (strncmp(Text, Part, n) == 0)
            return TRUE;
    }
    return FALSE;
}

KTEST(shell, threads_listing_does_not_stop_another_processor)
{
    static LISTING listing;
    static PKTHREAD waiters[SHELL_TEST_WAITERS];
    KEVENT release;
    KeInitializeEvent(&release, NotificationEvent, FALSE);
    for (ULONG i = 0; i < SHELL_TEST_WAITERS; i++) {
        waiters[i] = KtStartThread(Waiter, &release, 0, 0);
        KT_ASSERT_NOT_NULL(waiters[i]);
    }
    RtlZeroMemory(&listing, sizeof(listing));
    ListWhilePingPong("threads", &listing);
    KeSetEvent(&release, IO_NO_INCREMENT, FALSE);
    for (ULONG i = 0; i < SHELL_TEST_WAITERS; i++)
        KtJoinThread(waiters[i], 20000);

    KT_EXPECT_GT(listing.Lines, SHELL_TEST_WAITERS);  /* a header, and a line per thread */
    KT_EXPECT_FALSE(listing.Stuck);                   /* the ping-pong went on at every line */
    KT_EXPECT_EQ(listing.HighestIrql, PASSIVE_LEVEL); /* printed with no lock held */
}

KTEST(shell, ready_listing_does_not_stop_another_processor)
{
    static LISTING listing;
    RtlZeroMemory(&listing, sizeof(listing));
    ListWhilePingPong("ready", &listing);
    KT_EXPECT_GE(listing.Lines, KeNumberProcessors); /* a line per processor at least */
    KT_EXPECT_FALSE(listing.Stuck);
    KT_EXPECT_EQ(listing.HighestIrql, PASSIVE_LEVEL);
    KT_EXPECT_TRUE(Contains(listing.Text, "CPU0: running"));
}

/* Threads are named after their driver, and an idle thread that is not
   running is "idle", not "ready": it is in no ready queue. */
static VOID CollectText(PVOID Context, CHAR c)
{
    LISTING *l = Context;
    if (l->Length + 1 < sizeof(l->Text))
        l->Text[l->Length++] = c;
}

KTEST(shell, threads_says_what_is_true)
{
    static LISTING listing;
    RtlZeroMemory(&listing, sizeof(listing));
    KT_ASSERT_EQ(KdExecuteCommand("threads", CollectText, &listing), STATUS_SUCCESS);
    listing.Text[listing.Length] = 0;
    KT_EXPECT_TRUE(Contains(listing.Text, " timerdev ")); /* drivers/timerdev's thread */
    KT_EXPECT_FALSE(Contains(listing.Text, "system thread"));
    /* "<thread> <name, 19 wide> <state>": each processor's idle thread is
       listed, running or idle. */
    ULONG idle = 0;
    for (PCSTR line = listing.Text; *line;) {
        if (strncmp(line + 19, "idle", 4) == 0) {
            idle++;
            BOOLEAN truthful =
                strncmp(line + 39, "idle ", 5) == 0 || strncmp(line + 39, "running ", 8) == 0;
            KT_EXPECT_TRUE(truthful);
            if (!truthful)
                KtLog("%.60s", line);
        }
        while (*line && *line++ != '\n')
            ;
    }
    KT_EXPECT_EQ(idle, KeNumberProcessors);
}

/* An ISR that never claims its interrupt, as a shared line's other
   device's would not. */
static volatile LONG ShellTestIsrCalls;
static BOOLEAN ShellTestIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    __atomic_add_fetch(&ShellTestIsrCalls, 1, __ATOMIC_RELEASE);
    return FALSE;
}

static ULONG64 NumberAfter(PCSTR Text, PCSTR Label)
{
    SIZE_T n = strlen(Label);
    for (; *Text; Text++) {
        if (strncmp(Text, Label, n) == 0) {
            ULONG64 value = 0;
            for (Text += n; *Text >= '0' && *Text <= '9'; Text++)
                value = value * 10 + (ULONG64)(*Text - '0');
            return value;
        }
    }
    return 0;
}

/* `interrupts` names the ISR on a device vector, and counts and explains
   the interrupts nobody claimed. The "device" is a self-IPI on the vector
   the HAL gives ISA IRQ 7, which no device uses under QEMU. */
KTEST(shell, interrupts_names_the_isr_and_explains_unclaimed_ones)
{
    static LISTING listing;
    RtlZeroMemory(&listing, sizeof(listing));
    KIRQL irql;
    KAFFINITY affinity;
    ULONG vector = HalGetInterruptVector(Isa, 0, 7, 7, &irql, &affinity);
    PKINTERRUPT interrupt;
    KT_ASSERT_EQ(IoConnectInterrupt(&interrupt, ShellTestIsr, NULL, NULL, vector, irql, irql,
                                    Latched, FALSE, affinity, FALSE),
                 STATUS_SUCCESS);
    ShellTestIsrCalls = 0;
    for (ULONG i = 0; i < 3; i++)
        HalRequestIpi(KeGetCurrentPrcb()->ApicId, (UCHAR)vector);
    for (ULONG waited = 0; __atomic_load_n(&ShellTestIsrCalls, __ATOMIC_ACQUIRE) < 3; waited++) {
        if (waited == SHELL_TEST_DEADLINE_MS)
            break; /* the check below says so */
        KtSleep(1);
    }
    KT_EXPECT_EQ(ShellTestIsrCalls, 3);
    KT_EXPECT_EQ(KdExecuteCommand("interrupts", CollectText, &listing), STATUS_SUCCESS);
    IoDisconnectInterrupt(interrupt);
    listing.Text[listing.Length] = 0;
    KT_EXPECT_TRUE(Contains(listing.Text, "device: ShellTestIsr (claimed 0)"));
    KT_EXPECT_GE(NumberAfter(listing.Text, "Unclaimed device interrupts: "), 3);
    KT_EXPECT_TRUE(Contains(listing.Text, "An interrupt is unclaimed when no ISR"));
    KT_EXPECT_TRUE(Contains(listing.Text, "clock: KiClockInterrupt"));
}

/* A sink that tries to start a second capture from inside the first. */
static NTSTATUS NestedStatus;
static VOID NestingSink(PVOID Context, CHAR c)
{
    CollectText(Context, c);
    if (NestedStatus == STATUS_PENDING)
        NestedStatus = KdExecuteCommand("help", CollectText, Context);
}

KTEST(shell, execute_command_captures_one_line_at_a_time)
{
    static LISTING listing;
    RtlZeroMemory(&listing, sizeof(listing));
    NestedStatus = STATUS_PENDING;
    KT_EXPECT_EQ(KdExecuteCommand("help help", NestingSink, &listing), STATUS_SUCCESS);
    KT_EXPECT_EQ(NestedStatus, STATUS_DEVICE_BUSY);
    listing.Text[listing.Length] = 0;
    KT_EXPECT_TRUE(Contains(listing.Text, "list the commands"));
    CHAR overlong[200];
    RtlFillMemory(overlong, sizeof(overlong) - 1, 'x');
    overlong[sizeof(overlong) - 1] = 0;
    KT_EXPECT_EQ(KdExecuteCommand(overlong, CollectText, &listing), STATUS_BUFFER_OVERFLOW);
}
