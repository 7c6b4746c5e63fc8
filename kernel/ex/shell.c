/*
 * shell.c: the executive's shell commands.
 *
 *   pool   nonpaged pool per tag, as poolmon shows it
 *
 * ExQueryPoolTags copies the table under the pool's lock; the copy is
 * printed after.
 */
#include "ex.h"
#include "kd.h"

/* `pool`: one line per tag, as poolmon shows them. */
static VOID ExpShellPool(ULONG Argc, PCSTR Argv[])
{
    /* Static, not pool: taking pool to show the pool would change it. One
       command runs at a time (the shell's thread). */
    static EX_POOL_TAG_USAGE tags[EX_POOL_MAX_TAGS];
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    ULONG n = ExQueryPoolTags(tags, EX_POOL_MAX_TAGS);
    ExPrintPoolSummary();
    DbgPrint("  Tag   Allocs     Frees      Diff       Bytes\n");
    for (ULONG i = 0; i < n; i++) {
        CHAR tag[5];
        ExFormatPoolTag(tags[i].Tag, tag);
        DbgPrint("  %-4s  %-10llu %-10llu %-10llu %llu\n", tag,
                 (unsigned long long)tags[i].Allocations, (unsigned long long)tags[i].Frees,
                 (unsigned long long)(tags[i].Allocations - tags[i].Frees),
                 (unsigned long long)tags[i].Bytes);
    }
}
KD_COMMAND(pool, "", "nonpaged pool usage per tag", ExpShellPool);
