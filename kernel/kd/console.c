/*
 * console.c: the serial console, shared by everyone who prints and by
 * the line the shell is editing.
 *
 * Several processors may print at once, and a line must not be torn in
 * the middle: a test runner parses these lines. So one lock, taken at
 * HIGH_LEVEL (where no interrupt can come in and try to print, and
 * deadlock, on the same processor), covers every write to the port.
 *
 * While the shell waits for a line, the prompt and what has been typed
 * are on the screen, and output can come from anywhere at any moment: a
 * timer request completing in a DPC, a driver thread. Under the same
 * lock, such output first takes the line being edited off the screen and,
 * once it has ended its own line, puts it back: the prompt stays the last
 * thing on the screen, and typing goes on where it was.
 *
 * A test may run a shell command with its output captured instead
 * (KdExecuteCommand): what the capturing thread prints goes to its sink,
 * at its own IRQL and with no lock, so the test sees every character as
 * the command writes it. (An interrupt that printed on that thread's
 * processor meanwhile would be captured too: nothing prints from one.)
 */
#include "kdp.h"
#include "ke.h"
#include "hal.h"

static KSPIN_LOCK KdpConsoleLock;
static RTL_LINE_EDITOR *KdpEditor;    /* KdpConsoleLock: the line being edited, or NULL */
static BOOLEAN KdpLineShown;          /* KdpConsoleLock: the prompt and line are on the screen */
static BOOLEAN KdpAtLineStart = TRUE; /* KdpConsoleLock: the last write ended a line */

/* The capturing thread and where its output goes: set and cleared by
   that thread (KdpBeginCapture), read by anyone who prints. */
static PKTHREAD volatile KdpCaptureThread;
static PRTL_FORMAT_SINK KdpCaptureSink;
static PVOID KdpCaptureContext;

/* Console lock held. */
static VOID KdpSerialSink(PVOID Context, CHAR c)
{
    UNREFERENCED_PARAMETER(Context);
    if (c == '\n')
        HalSerialPutChar('\r'); /* terminals want CR LF */
    HalSerialPutChar(c);
    KdpAtLineStart = c == '\n';
}

static KIRQL KdpAcquireConsole(VOID)
{
    KIRQL oldIrql;
    KeRaiseIrql(HIGH_LEVEL, &oldIrql);
    KeAcquireSpinLockAtDpcLevel(&KdpConsoleLock);
    return oldIrql;
}

static VOID KdpReleaseConsole(KIRQL OldIrql)
{
    KeReleaseSpinLockFromDpcLevel(&KdpConsoleLock);
    KeLowerIrql(OldIrql);
}

/* Console lock held: the edited line leaves the screen... */
static VOID KdpHideLine(VOID)
{
    if (KdpEditor == NULL || !KdpLineShown)
        return;
    RtlEraseLine(KdpEditor, KdpSerialSink, NULL);
    KdpLineShown = FALSE;
    KdpAtLineStart = TRUE;
}

/* ...and comes back, once other output has finished its line; or at
   once (Force, for a key typed) on a line of its own. */
static VOID KdpShowLine(BOOLEAN Force)
{
    if (KdpEditor == NULL || KdpLineShown || (!KdpAtLineStart && !Force))
        return;
    if (!KdpAtLineStart)
        KdpSerialSink(NULL, '\n');
    RtlRedrawLine(KdpEditor, KdpSerialSink, NULL);
    KdpLineShown = TRUE;
}

static BOOLEAN KdpIsCapturing(VOID)
{
    PKTHREAD capturer = KdpCaptureThread;
    return capturer != NULL && capturer == KeGetCurrentThread();
}

VOID KdpWriteConsole(PCSTR Format, va_list Args)
{
    if (KdpIsCapturing()) {
        RtlFormatV(KdpCaptureSink, KdpCaptureContext, Format, Args);
        return;
    }
    KIRQL oldIrql = KdpAcquireConsole();
    KdpHideLine();
    RtlFormatV(KdpSerialSink, NULL, Format, Args);
    KdpShowLine(FALSE);
    KdpReleaseConsole(oldIrql);
}

VOID KdpWriteConsoleDuringBugCheck(PCSTR Format, va_list Args)
{
    RtlFormatV(KdpSerialSink, NULL, Format, Args);
}

/* ---- the line being edited ------------------------------------------------------- */

VOID KdpBeginEditing(RTL_LINE_EDITOR *Editor)
{
    KIRQL oldIrql = KdpAcquireConsole();
    if (!KdpAtLineStart)
        KdpSerialSink(NULL, '\n'); /* after a partial line: the prompt starts its own */
    KdpEditor = Editor;
    RtlBeginLine(Editor, KdpSerialSink, NULL);
    KdpLineShown = TRUE;
    KdpReleaseConsole(oldIrql);
}

RTL_LINE_EVENT KdpEditLine(CHAR Character)
{
    KIRQL oldIrql = KdpAcquireConsole();
    KdpShowLine(TRUE);
    RTL_LINE_EVENT event = RtlLineInput(KdpEditor, Character, KdpSerialSink, NULL);
    KdpReleaseConsole(oldIrql);
    return event;
}

ULONG KdpCompleteLine(PCSTR const Names[], ULONG Count)
{
    KIRQL oldIrql = KdpAcquireConsole();
    KdpShowLine(TRUE);
    ULONG matches = RtlCompleteLine(KdpEditor, Names, Count, KdpSerialSink, NULL);
    if (matches > 1) {
        /* The caller lists them: below the line, which stays on the
           screen, and is drawn again after the list. */
        KdpSerialSink(NULL, '\n');
        KdpLineShown = FALSE;
    }
    KdpReleaseConsole(oldIrql);
    return matches;
}

VOID KdpEndEditing(VOID)
{
    KIRQL oldIrql = KdpAcquireConsole();
    KdpEditor = NULL;
    KdpLineShown = FALSE;
    KdpReleaseConsole(oldIrql);
}

/* ---- capture, for tests ---------------------------------------------------------- */

BOOLEAN KdpBeginCapture(PRTL_FORMAT_SINK Sink, PVOID Context)
{
    PKTHREAD expected = NULL;
    if (!__atomic_compare_exchange_n(&KdpCaptureThread, &expected, KeGetCurrentThread(), FALSE,
                                     __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return FALSE;
    /* Only this thread reads them, and it prints nothing before they are set. */
    KdpCaptureSink = Sink;
    KdpCaptureContext = Context;
    return TRUE;
}

VOID KdpEndCapture(VOID)
{
    __atomic_store_n(&KdpCaptureThread, NULL, __ATOMIC_RELEASE);
}
