/*
 * bootinfo.c: taking the boot loader's information into the kernel.
 *
 * GRUB leaves the multiboot2 information somewhere in low memory that the
 * page frame allocator would happily reuse. So the first thing the kernel
 * does with it is copy it into its own buffer (bounded: a size field
 * that claims more is an error, not an overrun) and parse the copy.
 */
#include "ki.h"

#define KI_BOOT_INFO_MAX   (64 * 1024)
#define KI_DPC_WATCHDOG_MS 2000 /* a single DPC's allotment unless kelab.dpctimeout says */

MB2_INFO KeBootInformation;                           /* written once at boot, read-only after */
KI_BOOT_MODE KiBootMode;                              /* written once at boot, read-only after */
ULONG KiDpcWatchdogMilliseconds = KI_DPC_WATCHDOG_MS; /* written once at boot, read-only after */
static ULONG64 KiBootInformationCopy[KI_BOOT_INFO_MAX / 8];

static __attribute__((noreturn)) VOID KiBadBootInformation(PCSTR Reason)
{
    DbgPrint("KeLab: the boot information from the boot loader is unusable: %s\n", Reason);
    KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 3, 0, 0, 0);
}

VOID KiReadBootInformation(ULONG_PTR BootInformationPhysical)
{
    /* The boot page tables identity-map the first 4 GiB, where multiboot2
       puts this structure (EBX is a 32-bit register). */
    const ULONG *mbi = (const ULONG *)BootInformationPhysical;
    if (BootInformationPhysical == 0 || (BootInformationPhysical & 7) != 0)
        KiBadBootInformation("the pointer is null or misaligned");
    ULONG size = mbi[0];
    if (size > KI_BOOT_INFO_MAX)
        KiBadBootInformation("it claims to be larger than 64 KiB");
    RtlCopyMemory(KiBootInformationCopy, mbi, size < 8 ? 8 : size);

    if (!NT_SUCCESS(Mb2ParseBootInformation(KiBootInformationCopy, sizeof(KiBootInformationCopy),
                                            &KeBootInformation)))
        KiBadBootInformation(KeBootInformation.Error);
    for (ULONG i = 0; i < KeBootInformation.WarningCount; i++)
        DbgPrint("KeLab: boot information: %s\n", KeBootInformation.Warnings[i]);
}

BOOLEAN KeGetBootOption(PCSTR Key, PSTR Value, SIZE_T cbValue)
{
    NTSTATUS status = RtlGetCommandLineOption(KeBootInformation.CommandLine, Key, Value, cbValue);
    if (status == STATUS_BUFFER_OVERFLOW)
        DbgPrint("KeLab: boot option %s is too long; truncated to '%s'\n", Key, Value);
    return status != STATUS_NOT_FOUND;
}

static VOID KiReadBootMode(VOID)
{
    static const struct {
        PCSTR Name;
        KI_BOOT_MODE Mode;
    } modes[] = {
        {"shell", KiBootInteractive}, {"test", KiBootTest},   {"list", KiBootList},
        {"death", KiBootDeath},       {"bench", KiBootBench},
    };
    CHAR mode[16];
    KiBootMode = KiBootInteractive;
    if (!KeGetBootOption("kelab.mode", mode, sizeof(mode)))
        return;
    for (ULONG i = 0; i < ARRAYSIZE(modes); i++) {
        if (strcmp(mode, modes[i].Name) == 0) {
            KiBootMode = modes[i].Mode;
            return;
        }
    }
    DbgPrint("KeLab: unknown kelab.mode '%s' (shell, test, list, death, bench); starting the "
             "shell\n",
             mode);
}

static VOID KiReadDpcTimeout(VOID)
{
    CHAR text[16];
    ULONG64 ms;
    if (!KeGetBootOption("kelab.dpctimeout", text, sizeof(text)))
        return;
    if (!RtlStringToUlong64(text, &ms) || ms == 0 || ms > 3600000)
        DbgPrint("KeLab: kelab.dpctimeout=%s is not a number of milliseconds from 1 to 3600000; "
                 "keeping %u\n",
                 text, KiDpcWatchdogMilliseconds);
    else
        KiDpcWatchdogMilliseconds = (ULONG)ms;
}

/* Once, at boot: the options of the kernel proper. (Other components read
   their own, once each: kelab.verifier the memory manager, the test
   options the test framework.) */
VOID KiReadBootOptions(VOID)
{
    KiReadBootMode();
    KiReadDpcTimeout();
}
