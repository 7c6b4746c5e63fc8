/*
 * x86.h: the processor's registers, bits and instructions, by name.
 *
 * Usable from assembly (constants only) and from C (inline functions for
 * the instructions C cannot express). Nothing here knows about NT: the
 * kernel builds IRQL, traps and paging on top of these primitives.
 */
#ifndef KELAB_ARCH_X86_H
#define KELAB_ARCH_X86_H

/* Control register bits. */
#define CR0_PE  (1 << 0)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_PGE (1 << 7)

/* Model-specific registers. */
#define MSR_APIC_BASE      0x1B
#define MSR_EFER           0xC0000080
#define MSR_FS_BASE        0xC0000100
#define MSR_GS_BASE        0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define EFER_LME           (1 << 8)
#define EFER_NXE           (1 << 11)

/* RFLAGS. */
#define RFLAGS_IF (1 << 9)

/* Segment selectors of the kernel GDT (kernel/ke/gdt.c). */
#define KGDT64_R0_CODE 0x08
#define KGDT64_R0_DATA 0x10
#define KGDT64_SYS_TSS 0x18

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void __outbyte(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t __inbyte(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void __outword(uint16_t port, uint16_t value)
{
    __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint16_t __inword(uint16_t port)
{
    uint16_t value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void __outdword(uint16_t port, uint32_t value)
{
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint32_t __indword(uint16_t port)
{
    uint32_t value;
    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline uint64_t __readmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void __writemsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static inline void __cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
                     : "a"(leaf), "c"(subleaf));
}

#define DEFINE_CR_ACCESSORS(n)                                                                     \
    static inline uint64_t __readcr##n(void)                                                       \
    {                                                                                              \
        uint64_t v;                                                                                \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                          \
        return v;                                                                                  \
    }                                                                                              \
    static inline void __writecr##n(uint64_t v)                                                    \
    {                                                                                              \
        __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                                 \
    }
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
DEFINE_CR_ACCESSORS(8)
#undef DEFINE_CR_ACCESSORS

static inline uint64_t __readeflags(void)
{
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0" : "=r"(flags));
    return flags;
}

static inline void _disable(void)
{
    __asm__ volatile("cli" ::: "memory");
}

static inline void _enable(void)
{
    __asm__ volatile("sti" ::: "memory");
}

static inline void __halt(void)
{
    __asm__ volatile("hlt" ::: "memory");
}

static inline void __invlpg(const void *va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t __rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void *__readgsqword_ptr(unsigned long offset)
{
    void *value;
    __asm__ volatile("movq %%gs:(%1), %0" : "=r"(value) : "r"(offset));
    return value;
}

#endif /* __ASSEMBLER__ */
#endif
