/*
 * usb_shell_test.c: what `usb`, `xhci` and `pci` show with the dongle
 * attached is true: the device with its IDs, strings, driver and
 * endpoints; the port and slot; the controller with its MSI-X vector,
 * whose count rises as traffic flows.
 */
#include "ktest.h"
#include "kd.h"
#include "usb_testlib.h"

typedef struct _LISTING {
    CHAR Text[8192];
    ULONG Length;
} LISTING;

static VOID Collect(PVOID Context, CHAR c)
{
    LISTING *l = Context;
    if (l->Length + 1 < sizeof(l->Text))
        l->Text[l->Length++] = c;
}

static LISTING *Run(PCSTR Command)
{
    static LISTING listing;
    RtlZeroMemory(&listing, sizeof(listing));
    KT_EXPECT_EQ(KdExecuteCommand(Command, Collect, &listing), STATUS_SUCCESS);
    return &listing;
}

static BOOLEAN Shows(LISTING *Listing, PCSTR Pattern)
{
    BOOLEAN shown = RtlGlobMatch(Pattern, Listing->Text);
    if (!shown)
        KtLog("no '%s' in:\n%s", Pattern, Listing->Text);
    return shown;
}

/* The first "fired N" of the xHCI controller's line in `pci`. */
static ULONG64 VectorFired(VOID)
{
    LISTING *l = Run("pci");
    PCSTR p = l->Text;
    for (PCSTR xhci = "USB controller (xHCI)"; *p && strncmp(p, xhci, strlen(xhci)) != 0; p++)
        ;
    for (; *p && strncmp(p, "fired ", 6) != 0; p++)
        ;
    ULONG64 n = 0;
    for (p += *p ? 6 : 0; *p >= '0' && *p <= '9'; p++)
        n = n * 10 + (ULONG64)(*p - '0');
    return n;
}

KTEST_DONGLE(usb_shell, listings_show_the_dongle, "mode=loopback,test")
{
    PUSB_TEST_DEVICE d = UsbTestOpen(10000); /* bound and configured */
    KT_ASSERT_NOT_NULL(d);

    LISTING *usb = Run("usb");
    KT_EXPECT_TRUE(Shows(usb, "*port 5: high speed, address *, 1209:0001 \"KeLab\" "
                              "\"Virtual HSI Dongle\" \"KLHSI0001\"*"));
    KT_EXPECT_TRUE(Shows(usb, "*\\Device\\USBPDO-*, \\Driver\\UsbTest, configuration 1*"));
    KT_EXPECT_TRUE(Shows(usb, "*ep 0x01 bulk        512*ep 0x81 bulk        512*"
                              "ep 0x82 interrupt    64*"));

    LISTING *xhci = Run("xhci");
    KT_EXPECT_TRUE(Shows(xhci, "*xhci0 \\Device\\USBFDO-0: running, 8 ports*MSI-X vector*"));
    KT_EXPECT_TRUE(Shows(xhci, "*port 5 USB2 enabled high speed*slot *: port 5*"));

    KT_EXPECT_TRUE(Shows(Run("pci"), "*1b36:000d USB controller (xHCI)*\\Driver\\xhci*MSI-X 16 "
                                     "entries*in use: vector 0x* fired *"));
    ULONG64 before = VectorFired();
    KT_EXPECT_TRUE(UsbTestHsiLoopback(d, 4096, 2));
    ULONG64 after = VectorFired();
    KT_EXPECT_GT(after, before);
    UsbTestClose(d);
}
