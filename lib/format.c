/*
 * format.c: printf-style formatting into a character sink.
 *
 * One formatter serves every printer in the kernel: DbgPrint sends each
 * character to the serial port, RtlStringCbPrintfA to a buffer, the test
 * framework to its report. The sink is a function, so no caller needs a
 * buffer big enough for the whole output.
 */
#include "rtl.h"

typedef struct _FMT_SPEC {
    BOOLEAN LeftAlign; /* '-' */
    BOOLEAN ZeroPad;   /* '0' */
    BOOLEAN Plus;      /* '+' */
    BOOLEAN Space;     /* ' ' */
    BOOLEAN Alternate; /* '#' */
    int Width;         /* -1: none */
    int Precision;     /* -1: none */
} FMT_SPEC;

typedef struct _FMT_OUT {
    PRTL_FORMAT_SINK Sink;
    PVOID Context;
    SIZE_T Count;
} FMT_OUT;

static void FmtPut(FMT_OUT *out, char c)
{
    out->Sink(out->Context, c);
    out->Count++;
}

static void FmtPad(FMT_OUT *out, char c, int n)
{
    while (n-- > 0)
        FmtPut(out, c);
}

/* Emits prefix (sign or 0x), then zeros, then digits, padded to the width
   on the correct side: the one layout rule shared by numbers and %p. */
static void FmtEmitNumber(FMT_OUT *out, const FMT_SPEC *spec, const char *prefix,
                          const char *digits, int ndigits)
{
    int nprefix = (int)KL_CRT(strlen)(prefix);
    int zeros = spec->Precision > ndigits ? spec->Precision - ndigits : 0;
    int total = nprefix + zeros + ndigits;
    int pad = spec->Width > total ? spec->Width - total : 0;

    /* '0' pads between prefix and digits; it is ignored with '-' or with
       an explicit precision, as in C. */
    if (spec->ZeroPad && !spec->LeftAlign && spec->Precision < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!spec->LeftAlign)
        FmtPad(out, ' ', pad);
    for (int i = 0; i < nprefix; i++)
        FmtPut(out, prefix[i]);
    FmtPad(out, '0', zeros);
    for (int i = 0; i < ndigits; i++)
        FmtPut(out, digits[i]);
    if (spec->LeftAlign)
        FmtPad(out, ' ', pad);
}

static void FmtUnsigned(FMT_OUT *out, const FMT_SPEC *spec, ULONG64 value, unsigned base,
                        BOOLEAN upper, const char *sign)
{
    const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int n = 0;

    /* C rule: precision 0 with value 0 prints no digits. */
    if (!(value == 0 && spec->Precision == 0)) {
        do {
            buf[sizeof(buf) - 1 - n++] = alphabet[value % base];
            value /= base;
        } while (value);
    }
    const char *prefix = sign;
    if (spec->Alternate && base == 16 && n > 0 && !(n == 1 && buf[sizeof(buf) - 1] == '0'))
        prefix = upper ? "0X" : "0x";
    if (spec->Alternate && base == 8 && (n == 0 || buf[sizeof(buf) - n] != '0'))
        buf[sizeof(buf) - 1 - n++] = '0';
    FmtEmitNumber(out, spec, prefix, buf + sizeof(buf) - n, n);
}

static void FmtSigned(FMT_OUT *out, const FMT_SPEC *spec, LONG64 value)
{
    const char *sign = spec->Plus ? "+" : spec->Space ? " " : "";
    ULONG64 magnitude = (ULONG64)value;
    if (value < 0) {
        sign = "-";
        magnitude = 0 - magnitude; /* well defined even for INT64_MIN */
    }
    FmtUnsigned(out, spec, magnitude, 10, FALSE, sign);
}

static void FmtString(FMT_OUT *out, const FMT_SPEC *spec, const char *s)
{
    if (s == NULL)
        s = "(null)";
    int len = spec->Precision >= 0 ? (int)KL_CRT(strnlen)(s, (size_t)spec->Precision)
                                   : (int)KL_CRT(strlen)(s);
    int pad = spec->Width > len ? spec->Width - len : 0;
    if (!spec->LeftAlign)
        FmtPad(out, ' ', pad);
    for (int i = 0; i < len; i++)
        FmtPut(out, s[i]);
    if (spec->LeftAlign)
        FmtPad(out, ' ', pad);
}

/* Length modifiers, widened to what va_arg must fetch. */
enum { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static const char *FmtParseLength(const char *f, int *length)
{
    *length = LEN_INT;
    switch (*f) {
    case 'h':
        if (f[1] == 'h') {
            *length = LEN_CHAR;
            return f + 2;
        }
        *length = LEN_SHORT;
        return f + 1;
    case 'l':
        if (f[1] == 'l') {
            *length = LEN_LLONG;
            return f + 2;
        }
        *length = LEN_LONG;
        return f + 1;
    case 'z':
    case 't':
    case 'j':
        *length = LEN_SIZE;
        return f + 1;
    }
    return f;
}

static ULONG64 FmtFetchUnsigned(va_list *ap, int length)
{
    switch (length) {
    case LEN_CHAR:
        return (UCHAR)va_arg(*ap, unsigned int);
    case LEN_SHORT:
        return (USHORT)va_arg(*ap, unsigned int);
    case LEN_LONG:
        return va_arg(*ap, unsigned long);
    case LEN_LLONG:
        return va_arg(*ap, unsigned long long);
    case LEN_SIZE:
        return va_arg(*ap, size_t);
    }
    return va_arg(*ap, unsigned int);
}

static LONG64 FmtFetchSigned(va_list *ap, int length)
{
    switch (length) {
    case LEN_CHAR:
        return (signed char)va_arg(*ap, int);
    case LEN_SHORT:
        return (short)va_arg(*ap, int);
    case LEN_LONG:
        return va_arg(*ap, long);
    case LEN_LLONG:
        return va_arg(*ap, long long);
    case LEN_SIZE:
        return va_arg(*ap, ptrdiff_t);
    }
    return va_arg(*ap, int);
}

/* Reads flags, width and precision after a '%'. */
static const char *FmtParseSpec(const char *f, FMT_SPEC *spec, va_list *ap)
{
    *spec = (FMT_SPEC){.Width = -1, .Precision = -1};
    for (;; f++) {
        if (*f == '-')
            spec->LeftAlign = TRUE;
        else if (*f == '0')
            spec->ZeroPad = TRUE;
        else if (*f == '+')
            spec->Plus = TRUE;
        else if (*f == ' ')
            spec->Space = TRUE;
        else if (*f == '#')
            spec->Alternate = TRUE;
        else
            break;
    }
    if (*f == '*') {
        spec->Width = va_arg(*ap, int);
        if (spec->Width < 0) {
            spec->LeftAlign = TRUE;
            spec->Width = -spec->Width;
        }
        f++;
    } else {
        for (; *f >= '0' && *f <= '9'; f++)
            spec->Width = (spec->Width < 0 ? 0 : spec->Width * 10) + (*f - '0');
    }
    if (*f == '.') {
        f++;
        spec->Precision = 0;
        if (*f == '*') {
            spec->Precision = va_arg(*ap, int);
            f++;
        } else {
            for (; *f >= '0' && *f <= '9'; f++)
                spec->Precision = spec->Precision * 10 + (*f - '0');
        }
    }
    return f;
}

static void FmtConversion(FMT_OUT *out, char conv, const FMT_SPEC *spec, int length, va_list *ap)
{
    FMT_SPEC pointer;
    switch (conv) {
    case 'd':
    case 'i':
        FmtSigned(out, spec, FmtFetchSigned(ap, length));
        break;
    case 'u':
        FmtUnsigned(out, spec, FmtFetchUnsigned(ap, length), 10, FALSE, "");
        break;
    case 'x':
    case 'X':
        FmtUnsigned(out, spec, FmtFetchUnsigned(ap, length), 16, conv == 'X', "");
        break;
    case 'o':
        FmtUnsigned(out, spec, FmtFetchUnsigned(ap, length), 8, FALSE, "");
        break;
    case 'c': {
        char c[2] = {(char)va_arg(*ap, int), 0};
        FMT_SPEC one = *spec;
        one.Precision = 1; /* prints a NUL character too */
        FmtString(out, &one, c);
        break;
    }
    case 's':
        FmtString(out, spec, va_arg(*ap, const char *));
        break;
    case 'p':
        /* Always the full 64-bit address: kernel pointers are compared by eye. */
        pointer = *spec;
        pointer.Precision = 16;
        pointer.Alternate = TRUE;
        FmtUnsigned(out, &pointer, (ULONG64)(ULONG_PTR)va_arg(*ap, void *), 16, FALSE, "");
        break;
    case '%':
        FmtPut(out, '%');
        break;
    default:
        /* Unknown conversion: show it rather than guess at an argument. */
        FmtPut(out, '%');
        FmtPut(out, conv);
        break;
    }
}

SIZE_T RtlFormatV(PRTL_FORMAT_SINK Sink, PVOID Context, PCSTR Format, va_list Args)
{
    FMT_OUT out = {Sink, Context, 0};
    va_list ap;
    va_copy(ap, Args);
    for (const char *f = Format; *f; f++) {
        if (*f != '%') {
            FmtPut(&out, *f);
            continue;
        }
        FMT_SPEC spec;
        int length;
        f = FmtParseSpec(f + 1, &spec, &ap);
        f = FmtParseLength(f, &length);
        if (*f == 0)
            break; /* a lone '%' at the end */
        FmtConversion(&out, *f, &spec, length, &ap);
    }
    va_end(ap);
    return out.Count;
}

typedef struct _FMT_BUFFER {
    PSTR Dest;
    SIZE_T Size;
    SIZE_T Used;
} FMT_BUFFER;

static void FmtBufferSink(PVOID Context, CHAR c)
{
    FMT_BUFFER *b = Context;
    if (b->Used + 1 < b->Size)
        b->Dest[b->Used] = c;
    b->Used++;
}

NTSTATUS RtlStringCbVPrintfA(PSTR Dest, SIZE_T cbDest, PCSTR Format, va_list Args)
{
    if (cbDest == 0)
        return STATUS_INVALID_PARAMETER;
    FMT_BUFFER b = {Dest, cbDest, 0};
    RtlFormatV(FmtBufferSink, &b, Format, Args);
    Dest[b.Used < cbDest ? b.Used : cbDest - 1] = 0;
    return b.Used < cbDest ? STATUS_SUCCESS : STATUS_BUFFER_OVERFLOW;
}

NTSTATUS RtlStringCbPrintfA(PSTR Dest, SIZE_T cbDest, PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    NTSTATUS status = RtlStringCbVPrintfA(Dest, cbDest, Format, ap);
    va_end(ap);
    return status;
}
