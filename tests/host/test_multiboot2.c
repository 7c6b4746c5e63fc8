/*
 * test_multiboot2.c: the boot information parser, fed well-formed and
 * malformed multiboot2 structures built here byte by byte.
 */
#include <stdint.h>
#include "multiboot2.h"
#include "rtl.h"
#include "ktap.h"

/* A little builder for boot information buffers. */
typedef struct {
    uint64_t Words[1024]; /* 8-byte aligned, as the loader guarantees */
    uint32_t Size;
} MBI;

static uint8_t *At(MBI *m, uint32_t off)
{
    return (uint8_t *)m->Words + off;
}

static void Put32(MBI *m, uint32_t off, uint32_t v)
{
    memcpy(At(m, off), &v, 4);
}

static void Put64(MBI *m, uint32_t off, uint64_t v)
{
    memcpy(At(m, off), &v, 8);
}

static void Begin(MBI *m)
{
    memset(m, 0, sizeof(*m));
    m->Size = 8;
}

/* Appends a tag of the given type with Length payload bytes; returns the
   offset of the payload. */
static uint32_t Tag(MBI *m, uint32_t type, uint32_t length)
{
    uint32_t off = m->Size;
    Put32(m, off, type);
    Put32(m, off + 4, 8 + length);
    m->Size = (off + 8 + length + 7) & ~7u;
    return off + 8;
}

static void Cmdline(MBI *m, const char *s)
{
    uint32_t p = Tag(m, 1, (uint32_t)strlen(s) + 1);
    memcpy(At(m, p), s, strlen(s) + 1);
}

typedef struct {
    uint64_t Base, Length;
    uint32_t Type;
} RAW;

static void Mmap(MBI *m, const RAW *r, int n)
{
    uint32_t p = Tag(m, 6, 8 + 24u * (uint32_t)n);
    Put32(m, p, 24); /* entry size */
    Put32(m, p + 4, 0);
    for (int i = 0; i < n; i++) {
        Put64(m, p + 8 + 24u * i, r[i].Base);
        Put64(m, p + 16 + 24u * i, r[i].Length);
        Put32(m, p + 24 + 24u * i, r[i].Type);
    }
}

static NTSTATUS End(MBI *m, MB2_INFO *info)
{
    Tag(m, 0, 0);
    Put32(m, 0, m->Size);
    return Mb2ParseBootInformation(m->Words, sizeof(m->Words), info);
}

static MBI m;
static MB2_INFO info;

static const RAW QemuMap[] = {
    {0, 0x9fc00, 1},           {0x9fc00, 0x400, 2},      {0xf0000, 0x10000, 2},
    {0x100000, 0x1fee0000, 1}, {0xfffc0000, 0x40000, 2},
};

static void test_typical_map(void)
{
    Begin(&m);
    Cmdline(&m, "kelab.mode=test");
    Mmap(&m, QemuMap, 5);
    CHECK_EQ(End(&m, &info), STATUS_SUCCESS);
    CHECK_STR(info.CommandLine, "kelab.mode=test");
    CHECK_EQ(info.RegionCount, 5);
    CHECK_EQ(info.WarningCount, 0);
    CHECK_EQ(Mb2UsableBytes(&info), 0x9fc00 + 0x1fee0000);
}

static void test_unsorted_overlapping_map_is_normalized(void)
{
    static const RAW map[] = {
        {0x100000, 0x400000, 1}, /* usable 1..5 MiB */
        {0, 0x80000, 1},
        {0x200000, 0x100000, 2}, /* reserved inside the usable one */
        {0x480000, 0x100000, 1}, /* overlaps the end of the first */
    };
    Begin(&m);
    Mmap(&m, map, 4);
    CHECK_EQ(End(&m, &info), STATUS_SUCCESS);
    CHECK(info.WarningCount >= 1); /* the overlap is reported */
    /* 0-512K usable, 1-2M usable, 2-3M reserved, 3M-5.5M usable */
    CHECK_EQ(info.RegionCount, 4);
    CHECK_EQ(info.Regions[0].Base, 0);
    CHECK_EQ(info.Regions[1].Base, 0x100000);
    CHECK_EQ(info.Regions[1].Length, 0x100000);
    CHECK_EQ(info.Regions[2].Type, Mb2MemoryReserved);
    CHECK_EQ(info.Regions[3].Base, 0x300000);
    CHECK_EQ(info.Regions[3].Length, 0x280000);
    for (ULONG i = 1; i < info.RegionCount; i++)
        CHECK(info.Regions[i].Base >= info.Regions[i - 1].Base + info.Regions[i - 1].Length);
}

static void test_wrapping_region_is_clipped(void)
{
    static const RAW map[] = {{0x100000, 0x100000, 1}, {0xFFFFFFFFFFFFF000ull, 0x2000, 1}};
    Begin(&m);
    Mmap(&m, map, 2);
    CHECK_EQ(End(&m, &info), STATUS_SUCCESS);
    CHECK_EQ(info.RegionCount, 1);
    CHECK(info.WarningCount >= 1);
}

static void test_rsdp_prefers_acpi2(void)
{
    Begin(&m);
    Mmap(&m, QemuMap, 5);
    uint32_t p = Tag(&m, 15, 36);
    memcpy(At(&m, p), "RSD PTR ", 8);
    At(&m, p)[15] = 2;
    p = Tag(&m, 14, 20);
    memcpy(At(&m, p), "RSD PTR ", 8);
    CHECK_EQ(End(&m, &info), STATUS_SUCCESS);
    CHECK_EQ(info.RsdpLength, 36);
    CHECK_EQ(info.Rsdp[15], 2);
}

static void test_errors(void)
{
    /* No memory map. */
    Begin(&m);
    Cmdline(&m, "x");
    CHECK_EQ(End(&m, &info), STATUS_INVALID_PARAMETER);
    CHECK(strstr(info.Error, "memory map") != NULL);

    /* A tag that runs past the end. */
    Begin(&m);
    Mmap(&m, QemuMap, 5);
    Tag(&m, 0, 0);
    Put32(&m, 0, m.Size);
    Put32(&m, 8 + 4, 100000);
    CHECK_EQ(Mb2ParseBootInformation(m.Words, sizeof(m.Words), &info), STATUS_INVALID_PARAMETER);

    /* total_size larger than the buffer. */
    Begin(&m);
    Put32(&m, 0, 1u << 30);
    CHECK_EQ(Mb2ParseBootInformation(m.Words, 64, &info), STATUS_INVALID_PARAMETER);

    /* No end tag. */
    Begin(&m);
    Mmap(&m, QemuMap, 5);
    Put32(&m, 0, m.Size);
    CHECK_EQ(Mb2ParseBootInformation(m.Words, sizeof(m.Words), &info), STATUS_INVALID_PARAMETER);

    /* Misaligned pointer. */
    CHECK_EQ(Mb2ParseBootInformation((uint8_t *)m.Words + 4, 100, &info), STATUS_INVALID_PARAMETER);

    /* Only reserved memory. */
    static const RAW reserved[] = {{0, 0x100000, 2}};
    Begin(&m);
    Mmap(&m, reserved, 1);
    CHECK_EQ(End(&m, &info), STATUS_INVALID_PARAMETER);
}

static void test_unterminated_command_line(void)
{
    Begin(&m);
    Mmap(&m, QemuMap, 5);
    uint32_t p = Tag(&m, 1, 4);
    memcpy(At(&m, p), "abcd", 4); /* no NUL inside the tag */
    CHECK_EQ(End(&m, &info), STATUS_SUCCESS);
    CHECK_STR(info.CommandLine, "abcd");
    CHECK(info.WarningCount >= 1);
}

static void test_bad_entry_size_ignores_map(void)
{
    Begin(&m);
    uint32_t p = Tag(&m, 6, 8 + 24);
    Put32(&m, p, 20); /* smaller than an entry */
    CHECK_EQ(End(&m, &info), STATUS_INVALID_PARAMETER);
    CHECK(info.WarningCount >= 1);
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_typical_map),
    KTAP_CASE(test_unsorted_overlapping_map_is_normalized),
    KTAP_CASE(test_wrapping_region_is_clipped),
    KTAP_CASE(test_rsdp_prefers_acpi2),
    KTAP_CASE(test_errors),
    KTAP_CASE(test_unterminated_command_line),
    KTAP_CASE(test_bad_entry_size_ignores_map),
};

int main(void)
{
    return KtapMain("lib.multiboot2", cases, sizeof(cases) / sizeof(cases[0]));
}
