# KeLab: a bare-metal x86-64 teaching kernel with Windows NT's machinery.
#
# `make help` lists every target and variable. The two that matter most:
#   make run    boot KeLab in QEMU on this terminal (Ctrl-A x to leave)
#   make test   build everything and run every test
# Both install the Debian packages they need first (tools/deps).

# ---- variables a user may set (make VAR=value) ----------------------------
CPUS      ?= 4        # virtual processors for run, debug, bench and soak
MEM       ?= 512M     # guest memory
ACCEL     ?= tcg      # tcg (software, multi-threaded) or kvm (real hardware only)
QEMUEXTRA ?=          # extra QEMU arguments for run/debug
DONGLE    ?= modem    # far end of the HSI dongle for run and debug: loopback, echo, modem, or none
T         ?=          # filter: globs on suite.case (make test) or benchmark names (make bench), comma-separated
TEST_CPUS ?= 1,2,4    # the processor counts make test runs every kernel test with
BENCH_CPUS ?= 1,2,4,8 # the processor counts make bench runs the in-kernel benchmarks with
JOBS      ?= 2        # QEMU instances make test runs at once
WERROR    ?= 1        # 0 to build with a compiler whose new warnings you cannot fix
FUZZ_SECONDS ?= 30    # how long make fuzz runs each fuzzer
SECONDS   ?= 600      # how long make soak runs
SEED      ?= 1        # the seed of make soak's choices
V         ?= 0        # 1 to echo every command and list every test result
KARGS     ?=          # kernel options for run and debug, e.g. KARGS='kelab.verifier=irql'
PCAP      ?= 0        # 1: run and debug capture the USB traffic: the kernel's in build/usb.pcap, the dongle's in build/hsi-dongle.pcap
REPEAT    ?= 1        # make test: run the (filtered) tests this many times in a row
JUNIT     ?=          # make test: also write the results as JUnit XML to this file

CPUS := $(strip $(CPUS))
MEM := $(strip $(MEM))
ACCEL := $(strip $(ACCEL))
DONGLE := $(strip $(DONGLE))
T := $(strip $(T))
TEST_CPUS := $(strip $(TEST_CPUS))
BENCH_CPUS := $(strip $(BENCH_CPUS))
JOBS := $(strip $(JOBS))
WERROR := $(strip $(WERROR))
FUZZ_SECONDS := $(strip $(FUZZ_SECONDS))
SECONDS := $(strip $(SECONDS))
SEED := $(strip $(SEED))
V := $(strip $(V))
KARGS := $(strip $(KARGS))
PCAP := $(strip $(PCAP))
REPEAT := $(strip $(REPEAT))
JUNIT := $(strip $(JUNIT))

# Each target that runs something checks the variables it uses first,
# before it installs, builds or starts anything (tools/check-vars).
shquote = '$(subst ','\'',$(1))'
check-vars = $(Q)tools/check-vars $(foreach v,$(1),$(v)=$(call shquote,$($(v))))
RUN_VARS := CPUS MEM ACCEL DONGLE KARGS PCAP V WERROR
TEST_VARS := TEST_CPUS ACCEL JOBS T REPEAT JUNIT V WERROR
BENCH_VARS := CPUS BENCH_CPUS ACCEL T V WERROR
SOAK_VARS := CPUS SECONDS SEED ACCEL V WERROR

ifeq ($(V),1)
Q :=
else
Q := @
endif

B := build
CC := gcc
LD := ld
HOSTCC := gcc
FUZZCC := clang

# ---- the kernel -------------------------------------------------------------
# Every .c and .S under these directories is part of the kernel: adding a
# file needs no Makefile change. lib/ is shared with the host tests (and
# lib/hsiproto.c with the dongle, whose protocol the USB tests speak).
KERNEL_DIRS := boot kernel lib tests/kernel tests/bench tests/ddk drivers
KERNEL_SRCS := $(sort $(shell find $(KERNEL_DIRS) -name '*.c' -o -name '*.S' 2>/dev/null))
KERNEL_OBJS := $(patsubst %,$(B)/k/%.o,$(KERNEL_SRCS))

# Which headers a file may include is decided by where it is (the header
# rule of docs/architecture.md): drivers see the driver kit and lib/
# alone, so a driver that includes a kernel header does not compile;
# driver-level tests (tests/ddk) see the test kit too; the kernel and its
# white-box tests see everything, the kernel's own headers included.
DDK_INCLUDES := -Ikernel/include/ddk -Ilib
TESTDDK_INCLUDES := -Ikernel/include/ddk -Ikernel/include/test -Ilib
KERNEL_INCLUDES := -Ikernel/include/ddk -Ikernel/include -Ikernel/include/test -Ilib
includes-for = $(if $(filter drivers/%,$(1)),$(DDK_INCLUDES),$(if \
	$(filter tests/ddk/%,$(1)),$(TESTDDK_INCLUDES),$(KERNEL_INCLUDES)))

# Freestanding x86-64 kernel code: no red zone (interrupts push onto the
# stack below RSP), no SSE registers (never saved on a context switch),
# the kernel code model (linked in the top 2 GiB), frame pointers (for
# backtraces), a stack protector with the kernel's own cookie, and
# 16-bit wchar_t, so that L"\\Device\\X" is UTF-16 as NT's names are.
KERNEL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdlib -fno-pic -fno-pie -fshort-wchar \
	-mno-red-zone -mgeneral-regs-only -mcmodel=kernel \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fstack-protector-strong -mstack-protector-guard=global \
	-fno-strict-aliasing -fno-tree-loop-distribute-patterns -fno-common \
	-Wall -Wextra -Wno-multichar -Wshadow -Wstrict-prototypes -MMD -MP
ifeq ($(WERROR),1)
KERNEL_CFLAGS += -Werror
endif
KERNEL_ASFLAGS := -g -D__ASSEMBLER__ -Ikernel/include -MMD -MP
KERNEL_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack -T linker.ld

.PHONY: all kernel iso run debug gdb test soak bench fuzz deps format clean help host-tests dongle cflags FORCE

# The virtual HSI dongle (hsi-dongle/, its own Makefile): a host
# program QEMU attaches as a USB device.
DONGLE_MAKE = $(MAKE) --no-print-directory $(if $(filter 1,$(V)),,-s) -C hsi-dongle O=$(abspath $(B)/hsi-dongle) V=$(V)
DONGLE_BIN := $(B)/hsi-dongle/hsi-dongle

all: kernel iso $(B)/kernel.sym $(B)/kernel.asm compile_commands.json dongle

dongle:
	+$(Q)$(DONGLE_MAKE) all

kernel: $(B)/kernel.elf

$(B)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) $(call includes-for,$<) -c $< -o $@

$(B)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# Two-pass link: the kernel carries its own symbol table for backtraces.
# Pass 1 links with an empty table; its symbols are written out as
# ksyms.S; pass 2 links with that table. The table sits at the end of
# .rodata, after all code, so its size cannot move a function, and the
# last step checks that: pass 2's functions must be where pass 1's were.
$(B)/ksyms-empty.S: tools/gensyms
	@mkdir -p $(B)
	$(Q)tools/gensyms > $@

$(B)/%.o: $(B)/%.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(B)/kernel-pass1.elf: $(KERNEL_OBJS) $(B)/ksyms-empty.o linker.ld Makefile
	@echo "  LD      $@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(B)/ksyms-empty.o

$(B)/ksyms.S: $(B)/kernel-pass1.elf tools/gensyms
	$(Q)tools/gensyms $< > $@

$(B)/kernel.elf: $(B)/kernel-pass1.elf $(B)/ksyms.o
	@echo "  LD      $@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(B)/ksyms.o
	$(Q)tools/gensyms $@ | cmp -s - $(B)/ksyms.S || \
		{ echo "error: the symbol table moved code between link passes (see Makefile)"; exit 1; }

$(B)/kernel.sym: $(B)/kernel.elf
	$(Q)nm -n $< > $@

$(B)/kernel.asm: $(B)/kernel.elf
	@echo "  OBJDUMP $@"
	$(Q)objdump -d -S -l --no-show-raw-insn $< > $@

iso: $(B)/kelab.iso

# The ISO's GRUB menu carries KARGS, so it is made again when they change
# ($(B)/kargs holds the last ones).
$(B)/kelab.iso: $(B)/kernel.elf tools/mkiso $(B)/kargs
	@echo "  ISO     $@"
	$(Q)tools/mkiso $< $@ $(if $(KARGS),$(call shquote,$(KARGS)))

$(B)/kargs: FORCE
	@mkdir -p $(B)
	@printf '%s\n' $(call shquote,$(KARGS)) | cmp -s - $@ || printf '%s\n' $(call shquote,$(KARGS)) > $@

# compile_commands.json for clangd and clang-tidy: one entry per kernel
# source, with the exact flags above.
compile_commands.json: Makefile $(KERNEL_SRCS)
	@echo "  GEN     $@"
	$(Q){ echo '['; sep=''; \
	  for entry in $(foreach f,$(filter %.c,$(KERNEL_SRCS)),'$(f) $(call includes-for,$(f))'); do \
	    set -- $$entry; f=$$1; shift; \
	    printf '%s{"directory":"%s","file":"%s","command":"%s %s %s -c %s"}\n' \
	      "$$sep" "$(CURDIR)" "$$f" "$(CC)" "$(KERNEL_CFLAGS)" "$$*" "$$f"; sep=','; \
	  done; echo ']'; } > $@

-include $(KERNEL_OBJS:.o=.d)

# The command that compiles a kernel source at FILE, with the headers its
# place in the tree allows (tests/e2e/driver_headers compiles with it).
cflags:
	@echo $(CC) $(KERNEL_CFLAGS) $(call includes-for,$(FILE))

# ---- host programs and their tests -----------------------------------------
# lib/ is freestanding, so it compiles for the host too; there it runs
# under AddressSanitizer and UndefinedBehaviorSanitizer.
HOST_CFLAGS := -std=gnu11 -O1 -g -DKELAB_HOST -Ilib -Itests/host \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Wno-multichar
ifeq ($(WERROR),1)
HOST_CFLAGS += -Werror
endif
LIB_SRCS := $(sort $(wildcard lib/*.c))
HOST_TEST_SRCS := $(sort $(wildcard tests/host/test_*.c))
HOST_TESTS := $(patsubst tests/host/%.c,$(B)/host-tests/%,$(HOST_TEST_SRCS))

host-tests: $(HOST_TESTS)

$(B)/host-tests/%: tests/host/%.c $(LIB_SRCS) $(wildcard lib/*.h) tests/host/ktap.h tests/host/ktap.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< tests/host/ktap.c $(LIB_SRCS)

# libFuzzer targets for the parsers of outside input (tests/fuzz/), built
# with clang. Each runs FUZZ_SECONDS over its checked-in seed corpus;
# new inputs it finds go to build/fuzz/corpus-*, not into the tree.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
FUZZ_CFLAGS := -g -O1 -DKELAB_HOST -Ilib -Itests/host -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wno-multichar

$(B)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(wildcard lib/*.h tests/host/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS)

fuzz:
	$(call check-vars,FUZZ_SECONDS V WERROR)
	$(Q)tools/deps build fuzz
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do \
		name=$$(basename $$f | sed 's/^fuzz_//'); \
		mkdir -p $(B)/fuzz/corpus-$$name; \
		echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(B)/fuzz/$$name- \
			$(B)/fuzz/corpus-$$name tests/fuzz/corpus/$$name 2>$(B)/fuzz/$$name.log \
			|| { tail -n 40 $(B)/fuzz/$$name.log; echo "fuzz: $$name FAILED (log: $(B)/fuzz/$$name.log)"; exit 1; }; \
		grep -E '^stat::number_of_executed_units' $(B)/fuzz/$$name.log | sed "s/^/  $$name: /"; \
	done
	+$(Q)$(DONGLE_MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

# ---- running ---------------------------------------------------------------
QEMU_ARGS = --cpus $(CPUS) --mem $(MEM) --accel $(ACCEL) $(if $(filter 1,$(PCAP)),--usbmon $(B)/usb.pcap)
# The dongle and its capture; QEMU's own messages go to $(B)/hsi-dongle.qemu.log.
WITH_DONGLE = tools/with-dongle $(if $(filter 1,$(PCAP)),--pcap $(B)/hsi-dongle.pcap) \
	$(DONGLE) $(DONGLE_BIN) $(B)/hsi-dongle.sock --

deps:
	$(Q)tools/deps

# The console goes through the backtrace decoder: a bug check's frames get
# their file:line (tools/decode-backtrace). So does debug's.
run:
	$(call check-vars,$(RUN_VARS))
	$(Q)tools/deps build run
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/decode-backtrace $(B)/kernel.elf -- $(WITH_DONGLE) \
		tools/kelab-qemu --iso $(B)/kelab.iso $(QEMU_ARGS) -- $(QEMUEXTRA)

# QEMU waits, halted, for `make gdb` (in another terminal).
debug:
	$(call check-vars,$(RUN_VARS))
	$(Q)tools/deps build run debug
	$(Q)$(MAKE) --no-print-directory all
	$(Q)printf '%s\n' 'set confirm off' 'set architecture i386:x86-64' \
		'file $(B)/kernel.elf' 'target remote localhost:1234' \
		'source tools/gdb/kelab.py' \
		'hbreak KiSystemStartup' 'echo KeLab: QEMU halted; type continue.\n' > .gdbinit
	@echo "QEMU is waiting for gdb: run 'make gdb' in another terminal."
	$(Q)tools/decode-backtrace $(B)/kernel.elf -- $(WITH_DONGLE) \
		tools/kelab-qemu --iso $(B)/kelab.iso $(QEMU_ARGS) --gdb -- $(QEMUEXTRA)

gdb:
	$(Q)test -f .gdbinit || { echo "run 'make debug' first: it writes .gdbinit"; exit 1; }
	$(Q)gdb -q -nx -x .gdbinit

# ---- tests -------------------------------------------------------------------
test:
	$(call check-vars,$(TEST_VARS))
	$(Q)tools/deps build run test
	$(Q)$(MAKE) --no-print-directory all host-tests
	+$(Q)$(DONGLE_MAKE) tests
	$(Q)python3 tools/ktest/ktest --kernel $(B)/kernel.elf --cpus $(TEST_CPUS) --dongle $(DONGLE_BIN) \
		--accel $(ACCEL) --jobs $(JOBS) --logdir $(B)/test-logs --repeat $(REPEAT) \
		$(if $(T),--filter '$(T)') $(if $(filter 1,$(V)),--verbose) \
		$(if $(JUNIT),--junit $(call shquote,$(JUNIT))) \
		--host-tests $(B)/host-tests --host-tests tools/ktest/selftest --host-tests tests/e2e \
		--host-tests tools/check-layers \
		--host-tests $(B)/hsi-dongle/tests

# The soak (tests/ddk/nt_soak_*.c) alone, for SECONDS, with CPUS processors
# and SEED; `make test` runs a few seconds of it with every processor count.
soak:
	$(call check-vars,$(SOAK_VARS))
	$(Q)tools/deps build run test
	$(Q)$(MAKE) --no-print-directory kernel
	$(Q)tools/soak --kernel $(B)/kernel.elf --seconds '$(SECONDS)' --cpus '$(CPUS)' --seed '$(SEED)' \
		--accel $(ACCEL) --log $(B)/soak.log

# The benchmarks outside the kernel have a name for T too: boot_time and
# hsi_dongle. With T set, each runs only if one of its globs matches it.
bench_selected = $(if $(T),$(shell set -f; for g in $$(echo $(call shquote,$(T)) | tr , ' '); do \
	case $(1) in ($$g) echo yes; break ;; esac; done),yes)

bench:
	$(call check-vars,$(BENCH_VARS))
	$(Q)tools/deps build run test
	$(Q)$(MAKE) --no-print-directory all
ifneq ($(call bench_selected,boot_time),)
	$(Q)python3 tools/bench/boot-time --kernel $(B)/kernel.elf --cpus $(CPUS)
	@echo
endif
	$(Q)python3 tools/bench/kernel-benchmarks --kernel $(B)/kernel.elf --cpus $(BENCH_CPUS) --accel $(ACCEL) \
		--dongle $(DONGLE_BIN) \
		$(if $(T),--filter '$(T)') \
		$(if $(call bench_selected,boot_time)$(call bench_selected,hsi_dongle),--allow-none)
ifneq ($(call bench_selected,hsi_dongle),)
	@echo
	+$(Q)$(DONGLE_MAKE) bench
endif

# ---- maintenance -------------------------------------------------------------
# Every C source and header of the kernel, lib/, the drivers and the tests
# (the dongle has its own Makefile).
format:
	$(Q)clang-format -i $(shell find kernel lib drivers tests -name '*.[ch]')

clean:
	rm -rf $(B) compile_commands.json .gdbinit

help:
	@echo "KeLab make targets:"
	@echo "  all (default)  kernel, iso, build/kernel.sym and kernel.asm, compile_commands.json, dongle"
	@echo "  kernel         build/kernel.elf"
	@echo "  iso            build/kelab.iso, the kernel in a GRUB ISO with KARGS in its menu"
	@echo "  compile_commands.json  the compilation database for clangd and clang-tidy"
	@echo "  cflags FILE=f  the command that compiles kernel source f (the include path depends on where f is)"
	@echo "  dongle         build the virtual HSI dongle (hsi-dongle/)"
	@echo "  run            boot in QEMU on this terminal, HSI dongle attached (Ctrl-A x quits)"
	@echo "  debug          start QEMU halted with its gdb stub; then 'make gdb' in another terminal"
	@echo "  gdb            attach gdb (with symbols and KeLab's commands) to 'make debug'"
	@echo "  test           every test: kernel tests with TEST_CPUS CPUs, death tests, host tests"
	@echo "  soak           every dispatcher object, timers, DPCs, IRPs and threads at once for SECONDS"
	@echo "  host-tests     build the host unit tests of lib/"
	@echo "  bench          benchmarks (boot_time, in-kernel, hsi_dongle), tables of medians"
	@echo "  fuzz           run the libFuzzer targets for FUZZ_SECONDS each"
	@echo "  deps           install the Debian packages KeLab needs (the others do it themselves)"
	@echo "  format         clang-format the C sources"
	@echo "  clean          remove build output"
	@echo "  help           this list"
	@echo "Variables (make VAR=value), with their values now:"
	@printf '  %-24s %s\n' CPUS=$(call shquote,$(CPUS)) 'processors for run, debug, boot_time and soak (1-64)'
	@printf '  %-24s %s\n' MEM=$(call shquote,$(MEM)) 'guest memory (K, M, G or T)'
	@printf '  %-24s %s\n' ACCEL=$(call shquote,$(ACCEL)) 'tcg or kvm'
	@printf '  %-24s %s\n' DONGLE=$(call shquote,$(DONGLE)) 'far end of the dongle: loopback, echo, modem or none'
	@printf '  %-24s %s\n' KARGS=$(call shquote,$(KARGS)) 'kernel options for run and debug (kelab.verifier=irql ...)'
	@printf '  %-24s %s\n' PCAP=$(call shquote,$(PCAP)) '1: USB captures in build/usb.pcap (the kernel) and build/hsi-dongle.pcap'
	@printf '  %-24s %s\n' QEMUEXTRA=$(call shquote,$(QEMUEXTRA)) 'extra QEMU arguments for run and debug'
	@printf '  %-24s %s\n' T=$(call shquote,$(T)) 'globs on test or benchmark names, comma-separated'
	@printf '  %-24s %s\n' TEST_CPUS=$(call shquote,$(TEST_CPUS)) 'CPU counts make test boots with'
	@printf '  %-24s %s\n' BENCH_CPUS=$(call shquote,$(BENCH_CPUS)) 'CPU counts make bench boots with'
	@printf '  %-24s %s\n' JOBS=$(call shquote,$(JOBS)) 'QEMUs make test runs at once'
	@printf '  %-24s %s\n' REPEAT=$(call shquote,$(REPEAT)) 'make test runs everything this many times'
	@printf '  %-24s %s\n' JUNIT=$(call shquote,$(JUNIT)) 'make test also writes JUnit XML here'
	@printf '  %-24s %s\n' FUZZ_SECONDS=$(call shquote,$(FUZZ_SECONDS)) 'seconds per fuzzer'
	@printf '  %-24s %s\n' SECONDS=$(call shquote,$(SECONDS)) 'seconds make soak runs (real time)'
	@printf '  %-24s %s\n' SEED=$(call shquote,$(SEED)) 'the seed of make soak'"'"'s choices'
	@printf '  %-24s %s\n' WERROR=$(call shquote,$(WERROR)) '0 builds without -Werror'
	@printf '  %-24s %s\n' V=$(call shquote,$(V)) '1 echoes every command and lists every test result'
	@echo "(README.md, 'Make targets and variables', says more of each)"
