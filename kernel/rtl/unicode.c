/*
 * unicode.c: counted UTF-16 strings (UNICODE_STRING), NT's way of naming
 * things. The length is in bytes and there need be no terminator, so a
 * string can be a piece of another without copying.
 */
#include "wdm.h"

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    SIZE_T length = 0;
    if (SourceString != NULL) {
        while (SourceString[length] != 0)
            length++;
    }
    DestinationString->Length = (USHORT)(length * sizeof(WCHAR));
    DestinationString->MaximumLength = SourceString ? (USHORT)((length + 1) * sizeof(WCHAR)) : 0;
    DestinationString->Buffer = (PWCH)SourceString;
}

/* NT folds case by its Unicode table; KeLab's names are ASCII, so
   folding A-Z is all there is to do. */
static WCHAR RtlpUpcase(WCHAR Character)
{
    return Character >= 'a' && Character <= 'z' ? Character - ('a' - 'A') : Character;
}

BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                              BOOLEAN CaseInSensitive)
{
    if (String1->Length != String2->Length)
        return FALSE;
    for (ULONG i = 0; i < String1->Length / sizeof(WCHAR); i++) {
        WCHAR a = String1->Buffer[i], b = String2->Buffer[i];
        if (CaseInSensitive) {
            a = RtlpUpcase(a);
            b = RtlpUpcase(b);
        }
        if (a != b)
            return FALSE;
    }
    return TRUE;
}
