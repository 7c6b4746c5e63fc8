/*
 * rtc.c: the wall-clock time at boot, from the CMOS real-time clock.
 *
 * The RTC keeps date and time in registers reached through ports 0x70 and
 * 0x71, in BCD or binary and in 12- or 24-hour form as status register B
 * says. It updates once a second; a read during the update can be torn,
 * so KeLab reads until two consecutive readings agree. Whatever it reads
 * is checked before use: a nonsense date gives 0 (unknown), not a crash.
 */
#include "halp.h"
#include "arch/x86.h"

#define CMOS_INDEX   0x70
#define CMOS_DATA    0x71
#define RTC_SECONDS  0x00
#define RTC_MINUTES  0x02
#define RTC_HOURS    0x04
#define RTC_DAY      0x07
#define RTC_MONTH    0x08
#define RTC_YEAR     0x09
#define RTC_STATUS_A 0x0A
#define RTC_STATUS_B 0x0B
#define RTC_CENTURY  0x32 /* where PCs (and QEMU) keep it */
#define RTC_UPDATING 0x80
#define RTC_BINARY   0x04
#define RTC_24HOUR   0x02
#define RTC_PM       0x80

typedef struct {
    UCHAR Second, Minute, Hour, Day, Month, Year, Century;
} RTC_READING;

static UCHAR HalpCmosRead(UCHAR Index)
{
    __outbyte(CMOS_INDEX, Index);
    return __inbyte(CMOS_DATA);
}

static VOID HalpRtcRead(RTC_READING *r)
{
    for (ULONG spins = 0; (HalpCmosRead(RTC_STATUS_A) & RTC_UPDATING) && spins < 100000; spins++)
        YieldProcessor();
    r->Second = HalpCmosRead(RTC_SECONDS);
    r->Minute = HalpCmosRead(RTC_MINUTES);
    r->Hour = HalpCmosRead(RTC_HOURS);
    r->Day = HalpCmosRead(RTC_DAY);
    r->Month = HalpCmosRead(RTC_MONTH);
    r->Year = HalpCmosRead(RTC_YEAR);
    r->Century = HalpCmosRead(RTC_CENTURY);
}

static UCHAR HalpFromBcd(UCHAR v)
{
    return (UCHAR)((v >> 4) * 10 + (v & 15));
}

static BOOLEAN HalpIsLeap(ULONG Year)
{
    return (Year % 4 == 0 && Year % 100 != 0) || Year % 400 == 0;
}

/* Days from 1601-01-01 (NT's epoch) to the given date. */
static ULONG64 HalpDaysSince1601(ULONG Year, ULONG Month, ULONG Day)
{
    static const USHORT before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    ULONG64 y = Year - 1601;
    ULONG64 days = y * 365 + y / 4 - y / 100 + y / 400;
    days += before[Month - 1] + (Month > 2 && HalpIsLeap(Year)) + Day - 1;
    return days;
}

ULONG64 HalQueryRealTimeClock(VOID)
{
    RTC_READING a, b;
    HalpRtcRead(&a);
    for (ULONG tries = 0; tries < 5; tries++) {
        HalpRtcRead(&b);
        if (RtlEqualMemory(&a, &b, sizeof(a)))
            break;
        a = b;
    }
    UCHAR status = HalpCmosRead(RTC_STATUS_B);
    BOOLEAN pm = (b.Hour & RTC_PM) != 0;
    b.Hour &= (UCHAR)~RTC_PM;
    if (!(status & RTC_BINARY)) {
        b.Second = HalpFromBcd(b.Second);
        b.Minute = HalpFromBcd(b.Minute);
        b.Hour = HalpFromBcd(b.Hour);
        b.Day = HalpFromBcd(b.Day);
        b.Month = HalpFromBcd(b.Month);
        b.Year = HalpFromBcd(b.Year);
        b.Century = HalpFromBcd(b.Century);
    }
    if (!(status & RTC_24HOUR))
        b.Hour = (UCHAR)(b.Hour % 12 + (pm ? 12 : 0));
    ULONG year = (b.Century >= 19 && b.Century <= 30 ? b.Century : 20) * 100u + b.Year;
    if (b.Second > 59 || b.Minute > 59 || b.Hour > 23 || b.Month < 1 || b.Month > 12 || b.Day < 1 ||
        b.Day > 31 || year < 1970)
        return 0;
    ULONG64 seconds = HalpDaysSince1601(year, b.Month, b.Day) * 86400ull + b.Hour * 3600u +
                      b.Minute * 60u + b.Second;
    return seconds * 10000000ull;
}
