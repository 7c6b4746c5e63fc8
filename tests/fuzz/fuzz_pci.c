/*
 * fuzz_pci.c: libFuzzer target for the PCI configuration space parser.
 *
 * The input is one function: 256 bytes of configuration space, then six
 * little-endian dwords, the BAR sizing probes (missing bytes read as 0).
 * Whatever the bytes, the parse must return after a bounded number of
 * reads, each a whole aligned dword of the 256 bytes, explain a refusal,
 * and hand back results that keep the promises of pcicfg.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pcicfg.h"

typedef struct {
    uint8_t Space[256];
    ULONG Reads;
} INPUT;

static ULONG Read(PVOID Context, ULONG Offset)
{
    INPUT *in = Context;
    if (Offset % 4 != 0 || Offset >= 256 || ++in->Reads > 100)
        abort();
    return (ULONG)in->Space[Offset] | (ULONG)in->Space[Offset + 1] << 8 |
           (ULONG)in->Space[Offset + 2] << 16 | (ULONG)in->Space[Offset + 3] << 24;
}

static void CheckBars(const PCICFG_FUNCTION *f)
{
    for (ULONG i = 0; i < PCICFG_MAX_BARS; i++) {
        const PCICFG_BAR *b = &f->Bars[i];
        if (b->Type == PciCfgBarNone)
            continue;
        ULONG64 limit = b->Type == PciCfgBarIo         ? 0x10000ull
                        : b->Type == PciCfgBarMemory32 ? 0x100000000ull
                                                       : 1ull << 52;
        if (i >= f->BarCount || b->Size == 0 || (b->Size & (b->Size - 1)) != 0 ||
            (b->Address & (b->Size - 1)) != 0 || b->Size > limit || b->Address > limit - b->Size)
            abort();
        if (b->Type == PciCfgBarMemory64 &&
            (i + 1 >= f->BarCount || f->Bars[i + 1].Type != PciCfgBarNone))
            abort();
    }
}

static void CheckCapabilities(const PCICFG_FUNCTION *f)
{
    BOOLEAN msi = FALSE, msix = FALSE;
    if (f->CapabilityCount > PCICFG_MAX_CAPABILITIES)
        abort();
    for (ULONG i = 0; i < f->CapabilityCount; i++) {
        UCHAR at = f->Capabilities[i].Offset;
        if (at < 0x40 || at % 4 != 0)
            abort();
        for (ULONG j = 0; j < i; j++) {
            if (f->Capabilities[j].Offset == at)
                abort();
        }
        msi |= f->Capabilities[i].Id == PCICFG_CAP_MSI;
        msix |= f->Capabilities[i].Id == PCICFG_CAP_MSIX;
    }
    if (msi != (f->Msi.Offset != 0) || msix != (f->MsiX.Offset != 0))
        abort();
    if (f->Msi.Offset != 0 && (f->Msi.MessagesCapable == 0 || f->Msi.MessagesCapable > 32))
        abort();
    if (f->MsiX.Offset != 0) {
        const PCICFG_MSIX *x = &f->MsiX;
        if (x->TableSize < 1 || x->TableSize > 2048 || x->TableBar >= 6 || x->PbaBar >= 6 ||
            x->TableOffset + 16ull * x->TableSize > f->Bars[x->TableBar].Size ||
            x->PbaOffset + 8ull > f->Bars[x->PbaBar].Size)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    static PCICFG_FUNCTION function;
    INPUT in = {{0}, 0};
    ULONG probes[PCICFG_MAX_BARS] = {0};

    memcpy(in.Space, Data, Size < 256 ? Size : 256);
    if (Size > 256)
        memcpy(probes, Data + 256, Size - 256 < sizeof(probes) ? Size - 256 : sizeof(probes));
    NTSTATUS status = PciCfgParseFunction(Read, &in, probes, &function);
    if (strnlen(function.Reason, PCICFG_REASON_MAX) == PCICFG_REASON_MAX)
        abort();
    if (status == STATUS_SUCCESS) {
        CheckBars(&function);
        CheckCapabilities(&function);
    } else if ((status != STATUS_DEVICE_DATA_ERROR && status != STATUS_NO_SUCH_DEVICE) ||
               function.Reason[0] == 0) {
        abort();
    }
    return 0;
}
