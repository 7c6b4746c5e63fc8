/*
 * runner.c: finding the registered tests and running them in KTAP.
 *
 * Test boots are driven by the kernel command line (docs/testing.md):
 *   kelab.mode=test  [kelab.filter=GLOB,...] [kelab.after=SUITE.CASE]
 *   kelab.mode=list
 *   kelab.mode=death kelab.test=SUITE.CASE
 * and end by exiting QEMU with a pass, fail or bug check status.
 */
#include "ktestp.h"
#include "ke.h"
#include "ex.h"
#include "hal.h"
#include "io.h"
#include "usbcore.h"

#define KT_MAX_CASES 1024
#define KT_NAME_MAX  96

extern const KTEST_CASE __ktest_start[], __ktest_end[];

volatile ULONG KtpCurrentFailures;
PCSTR volatile KtpCurrentSkipReason;
static const KTEST_CASE *KtCurrent;

/* Every registered case, in a stable order: by source file, then line. */
static const KTEST_CASE *KtCases[KT_MAX_CASES];
static ULONG KtCaseCount;

PCSTR KtpCurrentName(VOID)
{
    return KtCurrent ? KtCurrent->Name : "?";
}

static LONG KtOrder(const KTEST_CASE *a, const KTEST_CASE *b)
{
    int c = strcmp(a->File, b->File);
    return c != 0 ? c : (LONG)a->Line - (LONG)b->Line;
}

/* The linker keeps each object's entries together but promises no order
   inside one, so sort them (insertion sort: a few hundred entries). Demo
   cases exist only when the kernel is booted with kelab.demo. */
static VOID KtCollectCases(VOID)
{
    CHAR unused[2];
    BOOLEAN demo = KeGetBootOption("kelab.demo", unused, sizeof(unused));
    for (const KTEST_CASE *c = __ktest_start; c < __ktest_end; c++) {
        if (c->Demo && !demo)
            continue;
        if (KtCaseCount == KT_MAX_CASES) {
            DbgPrint("# ktest: more than %u tests; raise KT_MAX_CASES\n", KT_MAX_CASES);
            break;
        }
        ULONG j = KtCaseCount++;
        for (; j > 0 && KtOrder(KtCases[j - 1], c) > 0; j--)
            KtCases[j] = KtCases[j - 1];
        KtCases[j] = c;
    }
}

static VOID KtFullName(const KTEST_CASE *c, PSTR Buffer, SIZE_T Size)
{
    RtlStringCbPrintfA(Buffer, Size, "%s.%s", c->Suite, c->Name);
}

/* Marks which cases this boot runs: normal tests that match the filter
   and come after kelab.after. */
/* Does the case need the dongle this boot has (Dongle, empty: none)? */
static BOOLEAN KtDongleMatches(const KTEST_CASE *c, PCSTR Dongle)
{
    return strcmp(c->Dongle != NULL ? c->Dongle : "", Dongle) == 0;
}

static ULONG KtSelectCases(BOOLEAN Selected[])
{
    CHAR filter[256] = "*", after[KT_NAME_MAX] = "", name[KT_NAME_MAX], dongle[64] = "";
    KeGetBootOption("kelab.filter", filter, sizeof(filter));
    KeGetBootOption("kelab.dongle", dongle, sizeof(dongle));
    BOOLEAN started = !KeGetBootOption("kelab.after", after, sizeof(after));
    ULONG count = 0;
    for (ULONG i = 0; i < KtCaseCount; i++) {
        KtFullName(KtCases[i], name, sizeof(name));
        Selected[i] = started && !KtCases[i]->Death && KtDongleMatches(KtCases[i], dongle) &&
                      RtlGlobListMatch(filter, name);
        count += Selected[i];
        if (!started && strcmp(name, after) == 0)
            started = TRUE;
    }
    if (!started)
        DbgPrint("# ktest: kelab.after=%s names no test; nothing run\n", after);
    return count;
}

/* Runs one case and checks what it left behind. Returns the KTAP result:
   1 ok, 0 not ok, 2 skipped. */
static int KtRunCase(const KTEST_CASE *c)
{
    static EX_POOL_TAG_USAGE before[EX_POOL_MAX_TAGS];
    ULONG tags = ExQueryPoolTags(before, EX_POOL_MAX_TAGS);
    KIRQL irql = KeGetCurrentIrql();

    KtCurrent = c;
    KtpCurrentFailures = 0;
    KtpCurrentSkipReason = NULL;
    DbgPrint("    # start: %s\n", c->Name);
    c->Function();

    if (KeGetCurrentIrql() != irql) {
        DbgPrint("    # %s: left IRQL at %u (it started at %u)\n", c->Name, KeGetCurrentIrql(),
                 irql);
        KtpCurrentFailures++;
        __writecr8(irql); /* so the next test starts clean */
    }
    /* Threads a test ended leave their stacks to a DPC on their processor
       (kernel/ke/thread.c): let those run before counting the pool. */
    KeFlushQueuedDpcs();
    if (ExReportPoolLeaks(before, tags, "    # ") != 0) {
        DbgPrint("    # %s: pool usage did not return to where it started\n", c->Name);
        KtpCurrentFailures++;
    }
    KtCurrent = NULL;
    if (KtpCurrentFailures != 0)
        return 0;
    return KtpCurrentSkipReason ? 2 : 1;
}

typedef struct _KT_TOTALS {
    ULONG Pass, Fail, Skip;
} KT_TOTALS;

/* Runs the selected cases of one suite (starting at case index First)
   as a nested KTAP subtest; returns TRUE if none failed. */
static BOOLEAN KtRunSuite(ULONG First, const BOOLEAN Selected[], KT_TOTALS *Totals)
{
    PCSTR suite = KtCases[First]->Suite;
    ULONG planned = 0, number = 0;
    for (ULONG i = First; i < KtCaseCount; i++)
        planned += Selected[i] && strcmp(KtCases[i]->Suite, suite) == 0;
    DbgPrint("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", suite, planned);

    KT_TOTALS t = {0, 0, 0};
    for (ULONG i = First; i < KtCaseCount; i++) {
        if (!Selected[i] || strcmp(KtCases[i]->Suite, suite) != 0)
            continue;
        int result = KtRunCase(KtCases[i]);
        number++;
        if (result == 2) {
            DbgPrint("    ok %u %s # SKIP %s\n", number, KtCases[i]->Name, KtpCurrentSkipReason);
            t.Skip++;
        } else {
            DbgPrint("    %s %u %s\n", result ? "ok" : "not ok", number, KtCases[i]->Name);
            result ? t.Pass++ : t.Fail++;
        }
    }
    DbgPrint("# %s: pass:%u fail:%u skip:%u total:%u\n", suite, t.Pass, t.Fail, t.Skip, planned);
    Totals->Pass += t.Pass;
    Totals->Fail += t.Fail;
    Totals->Skip += t.Skip;
    return t.Fail == 0;
}

/* TRUE if an earlier selected case belongs to the same suite as case i. */
static BOOLEAN KtSuiteSeen(ULONG Index, const BOOLEAN Selected[])
{
    for (ULONG j = 0; j < Index; j++) {
        if (Selected[j] && strcmp(KtCases[j]->Suite, KtCases[Index]->Suite) == 0)
            return TRUE;
    }
    return FALSE;
}

/* A dongle plugged in after boot (kelab.dongle=...,plug=late): its
   arrival is waited for, so that the tests find it enumerated. */
static VOID KtWaitForLateDongle(VOID)
{
    CHAR dongle[64] = "";
    USB_DEVICE_SUMMARY device;
    KeGetBootOption("kelab.dongle", dongle, sizeof(dongle));
    if (!RtlGlobListMatch("*plug=late*", dongle))
        return;
    for (ULONG waited = 0; UsbQueryDevices(&device, 1) == 0; waited += 10) {
        if (waited >= 30000) {
            DbgPrint("# ktest: kelab.dongle says plug=late, but no USB device came in 30 s\n");
            return;
        }
        KtSleep(10);
    }
}

VOID KtRunTests(VOID)
{
    static BOOLEAN selected[KT_MAX_CASES];
    /* The machine's devices found and started first: a test sees them
       all, and their drivers' memory is not counted against it. */
    KtWaitForLateDongle();
    IoWaitForPnpIdle();
    KtCollectCases();
    KtSelectCases(selected);

    ULONG suites = 0, number = 0;
    for (ULONG i = 0; i < KtCaseCount; i++)
        suites += selected[i] && !KtSuiteSeen(i, selected);
    DbgPrint("KTAP version 1\n1..%u\n", suites);

    KT_TOTALS totals = {0, 0, 0};
    for (ULONG i = 0; i < KtCaseCount; i++) {
        if (!selected[i] || KtSuiteSeen(i, selected))
            continue;
        BOOLEAN ok = KtRunSuite(i, selected, &totals);
        DbgPrint("%s %u %s\n", ok ? "ok" : "not ok", ++number, KtCases[i]->Suite);
    }
    DbgPrint("# Totals: pass:%u fail:%u skip:%u total:%u\n", totals.Pass, totals.Fail, totals.Skip,
             totals.Pass + totals.Fail + totals.Skip);
    UsbFlushCapture(); /* a capture of a test boot (kelab-qemu --usbmon) is whole */
    HalExitEmulator(totals.Fail == 0 ? HalExitPass : HalExitFail);
}

static VOID KtPrintParameter(ULONG_PTR Value)
{
    if (Value == KT_ANY)
        DbgPrint(" *");
    else
        DbgPrint(" 0x%llx", (unsigned long long)Value);
}

VOID KtListTests(VOID)
{
    CHAR name[KT_NAME_MAX];
    KtCollectCases();
    DbgPrint("KTAP version 1\n");
    for (ULONG i = 0; i < KtCaseCount; i++) {
        const KTEST_CASE *c = KtCases[i];
        KtFullName(c, name, sizeof(name));
        if (!c->Death && c->Dongle != NULL) {
            DbgPrint("# kelab-test: %s dongle=%s\n", name, c->Dongle);
            continue;
        }
        if (!c->Death) {
            DbgPrint("# kelab-test: %s\n", name);
            continue;
        }
        DbgPrint("# kelab-death: %s 0x%08X", name, c->DeathCode);
        for (ULONG p = 0; p < 4; p++)
            KtPrintParameter(c->DeathParameters[p]);
        if (c->Dongle != NULL)
            DbgPrint(" dongle=%s", c->Dongle);
        DbgPrint("\n");
    }
    HalExitEmulator(HalExitPass);
}

VOID KtRunDeathTest(VOID)
{
    CHAR wanted[KT_NAME_MAX] = "", name[KT_NAME_MAX];
    KtCollectCases();
    KtWaitForLateDongle();
    IoWaitForPnpIdle(); /* as for the other tests: the devices found */
    KeGetBootOption("kelab.test", wanted, sizeof(wanted));
    DbgPrint("KTAP version 1\n1..1\n");
    for (ULONG i = 0; i < KtCaseCount; i++) {
        KtFullName(KtCases[i], name, sizeof(name));
        if (!KtCases[i]->Death || strcmp(name, wanted) != 0)
            continue;
        DbgPrint("# death test %s: expecting STOP 0x%08X\n", name, KtCases[i]->DeathCode);
        KtCurrent = KtCases[i];
        KtCases[i]->Function();
        DbgPrint("not ok 1 %s # returned without a bug check\n", name);
        HalExitEmulator(HalExitFail);
    }
    DbgPrint("not ok 1 %s # no death test by that name (kelab.test=SUITE.CASE)\n", wanted);
    HalExitEmulator(HalExitFail);
}
