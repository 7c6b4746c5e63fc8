/*
 * nt_soak_handoff.c: event hand-offs between threads on two processors.
 *
 * Each pair passes a token back and forth with two synchronization
 * events, as seed 000's server and client do: ping makes the token odd and
 * sets pong's event, pong makes it even and sets ping's. Each side checks
 * the parity it wakes to: a wake-up with the other side's parity is a
 * double wake-up (one set woke it twice), and a wait that times out is a
 * lost one. Each set chooses Wait = TRUE (set and wait in one step, the
 * dispatcher lock held between) or FALSE, and a boost of 0 to 2, from the
 * pair's generator.
 */
#include "nt_soak.h"

#define SOAK_MAX_PAIRS (MAXIMUM_PROCESSORS / 2)

/* A pair across two processors runs above the other workers (8), as a
   driver's thread that must answer fast would: a woken side takes its
   processor at once instead of waiting for a lock user's quantum to end.
   Boosts still apply (up to 15). Both sides on one processor would keep
   it busy between them, their boosts above everyone else's: that pair
   stays at 8 and rests every SOAK_SHARED_ROUNDS round trips. */
#define SOAK_HANDOFF_BASE  12
#define SOAK_SHARED_ROUNDS 64

typedef struct _SOAK_PAIR {
    SOAK *Soak;
    ULONG Number;
    ULONG PingProcessor, PongProcessor;
    KPRIORITY Base;
    KEVENT ToPing, ToPong;   /* synchronization events */
    volatile LONG64 Token;   /* even: ping's turn; odd: pong's */
    volatile BOOLEAN Ending; /* set with ping's last serve: pong answers and ends */
} SOAK_PAIR;

static SOAK_PAIR SoakPairs[SOAK_MAX_PAIRS];

/* Counts a wake-up, and whether it came from the other processor. */
static VOID SoakCountHandoff(SOAK_PAIR *Pair)
{
    SoakCount(Pair->Soak, SoakHandoffs, 1);
    if (Pair->PingProcessor != Pair->PongProcessor)
        SoakCount(Pair->Soak, SoakCrossHandoffs, 1);
}

/* Sets Event for the other side and waits on Mine, in one step or two. */
static BOOLEAN SoakServe(SOAK_PAIR *Pair, SOAK_RANDOM *Random, PKEVENT Event, PKEVENT Mine,
                         PCSTR Who)
{
    KeSetEvent(Event, (KPRIORITY)SoakRandom(Random, 3), SoakRandom(Random, 2) == 0);
    return SoakWait(Pair->Soak, Mine, Who);
}

static VOID SoakPing(PVOID Context)
{
    SOAK_PAIR *pair = Context;
    SOAK_RANDOM random;
    SoakSeedRandom(pair->Soak, 100 + 2 * pair->Number, &random);
    KeSetBasePriorityThread(KeGetCurrentThread(), pair->Base - CONF_SYSTEM_BASE_PRIORITY);
    BOOLEAN shared = pair->PingProcessor == pair->PongProcessor;
    for (ULONG round = 1;; round++) {
        LONG64 token = pair->Token;
        if (token % 2 != 0) {
            SoakFail(pair->Soak, "pair %u: ping woke on pong's turn (token %lld)", pair->Number,
                     (long long)token);
            return;
        }
        BOOLEAN ending = __atomic_load_n(&pair->Soak->Stop, __ATOMIC_ACQUIRE);
        pair->Ending = ending;
        pair->Token = token + 1;
        if (!SoakServe(pair, &random, &pair->ToPong, &pair->ToPing, "ping"))
            return;
        SoakCountHandoff(pair);
        if (ending)
            return;
        if (shared && round % SOAK_SHARED_ROUNDS == 0)
            KtSleep(SOAK_PAUSE_MS);
    }
}

static VOID SoakPong(PVOID Context)
{
    SOAK_PAIR *pair = Context;
    SOAK_RANDOM random;
    SoakSeedRandom(pair->Soak, 101 + 2 * pair->Number, &random);
    KeSetBasePriorityThread(KeGetCurrentThread(), pair->Base - CONF_SYSTEM_BASE_PRIORITY);
    if (!SoakWait(pair->Soak, &pair->ToPong, "pong"))
        return;
    for (;;) {
        SoakCountHandoff(pair);
        LONG64 token = pair->Token;
        if (token % 2 != 1) {
            SoakFail(pair->Soak, "pair %u: pong woke on ping's turn (token %lld)", pair->Number,
                     (long long)token);
            return;
        }
        BOOLEAN ending = pair->Ending; /* written by ping before the token */
        pair->Token = token + 1;
        if (ending) {
            KeSetEvent(&pair->ToPing, IO_NO_INCREMENT, FALSE);
            return;
        }
        if (!SoakServe(pair, &random, &pair->ToPing, &pair->ToPong, "pong"))
            return;
    }
}

/* One pair per two processors, each side alone on its own (with one
   processor, one pair on it). More pairs do not make more hand-offs: they
   all take the one dispatcher lock. */
VOID SoakStartHandoffs(SOAK *Soak)
{
    ULONG n = KeNumberProcessors;
    ULONG pairs = n >= 2 ? n / 2 : 1;
    for (ULONG i = 0; i < pairs; i++) {
        SOAK_PAIR *pair = &SoakPairs[i];
        RtlZeroMemory(pair, sizeof(*pair));
        pair->Soak = Soak;
        pair->Number = i;
        pair->PingProcessor = (2 * i) % n;
        pair->PongProcessor = (2 * i + 1) % n;
        pair->Base = pair->PingProcessor != pair->PongProcessor ? SOAK_HANDOFF_BASE
                                                                : CONF_SYSTEM_BASE_PRIORITY;
        KeInitializeEvent(&pair->ToPing, SynchronizationEvent, FALSE);
        KeInitializeEvent(&pair->ToPong, SynchronizationEvent, FALSE);
        SoakStartThread(Soak, SoakPong, pair, CONF_AFFINITY(pair->PongProcessor));
        SoakStartThread(Soak, SoakPing, pair, CONF_AFFINITY(pair->PingProcessor));
    }
}
