/*
 * multiboot2.S: the header GRUB looks for in the first 32 KiB of the image.
 *
 * It asks for nothing special: GRUB loads the ELF segments where their
 * physical addresses say, and jumps to the ELF entry point (KiBootEntry32)
 * in 32-bit protected mode with EAX = the multiboot2 magic and EBX = the
 * physical address of the boot information.
 */
#define MB2_MAGIC        0xE85250D6
#define MB2_ARCH_I386    0
#define MB2_TAG_END      0
#define MB2_TAG_INFO_REQ 1

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

    /* Information request: we need the memory map (6) and the command line
       (1); both ACPI RSDP tags (14, 15) are optional (flag bit 0 = optional). */
    .balign 8
mb2_info_request:
    .short MB2_TAG_INFO_REQ
    .short 1
    .long  mb2_info_request_end - mb2_info_request
    .long  1, 6
mb2_info_request_end:
    .balign 8
    .short MB2_TAG_END
    .short 0
    .long  8
mb2_header_end:
