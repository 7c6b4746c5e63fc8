#!/bin/bash
# qemu-accept.sh: QEMU accepts the dongle.
#
# Starts the dongle, boots a QEMU with no disk but an xHCI controller and
# the dongle on usb-redir, and checks through the QEMU monitor that the
# device is attached at high speed, and in the dongle's log that the
# firmware (SeaBIOS) read its descriptors. Then the dongle is restarted
# under the running QEMU, which the guest must see as an unplug and a
# replug. Prints KTAP; everything it starts is stopped, and the whole run
# is bounded (about 45 s at most).
#
# QEMU 7.2's `info usb` names a usb-redir device by its class string,
# "USB Redirection Device" (hw/usb/redirect.c), never by the device's
# iProduct, so the product name "Virtual HSI Dongle" is checked where the
# guest reads it: GET_DESCRIPTOR(STRING 2) in test-enumeration.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dongle=${HSI_DONGLE:-$here/../hsi-dongle-asan}
work=$(mktemp -d /tmp/hsi-qemu-XXXXXX)
dongle_pid=
qemu_pid=
results=()
checks=0
failed=0

check() { # check STATUS DESCRIPTION
    checks=$((checks + 1))
    results+=("$([ "$1" = 0 ] && echo ok || echo not ok) $checks $2")
    [ "$1" = 0 ] || failed=1
}
diag() { results+=("# $*"); }

finish() {
    [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
    [ -n "$dongle_pid" ] && kill "$dongle_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap finish EXIT

# Waits up to $1 seconds (and never past the run's overall 45 s) for the
# command in $2... to succeed.
run_deadline=$((SECONDS + 45))
wait_for() {
    local deadline=$((SECONDS + $1))
    [ $deadline -gt $run_deadline ] && deadline=$run_deadline
    shift
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.2
    done
}

log_has() { grep -q -- "$1" "$work/dongle.log"; }
log_count() { grep -c -- "$1" "$work/dongle.log"; }

start_dongle() {
    "$dongle" --socket "$work/hsi.sock" --mode modem 2>>"$work/dongle.log" &
    dongle_pid=$!
}

# Asks the monitor for `info usb`; monitor.out holds the latest answer.
ask_usb() {
    : >"$work/monitor.out"
    echo "info usb" >&"${QEMU[1]}"
    while IFS= read -r -t 0.5 line <&"${QEMU[0]}"; do
        printf '%s\n' "$line" | tr -d '\r' >>"$work/monitor.out"
    done
}
attached() { ask_usb && grep -q "Speed 480 Mb/s.*ID: hsi" "$work/monitor.out"; }
detached() { ask_usb && grep -q "ID: hsi" "$work/monitor.out" && ! attached_now; }
attached_now() { grep -q "Speed 480 Mb/s.*ID: hsi" "$work/monitor.out"; }
stop_dongle() { # the dongle must exit 0 on SIGTERM and take its socket along
    kill -TERM "$dongle_pid" 2>/dev/null
    wait "$dongle_pid"
    local status=$?
    dongle_pid=
    [ $status = 0 ] && [ ! -e "$work/hsi.sock" ]
}

echo "KTAP version 1"
echo "1..1"
if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "ok 1 qemu_acceptance # SKIP qemu-system-x86_64 is not installed"
    exit 0
fi

start_dongle
wait_for 5 test -S "$work/hsi.sock"
check $? "the dongle listens on its socket"

coproc QEMU {
    exec timeout 60 qemu-system-x86_64 -M q35 -accel tcg -display none -nodefaults \
        -serial none -no-reboot -device qemu-xhci,id=xhci \
        -chardev "socket,id=hsi0,path=$work/hsi.sock,reconnect=1" \
        -device usb-redir,chardev=hsi0,bus=xhci.0,id=hsi -monitor stdio 2>"$work/qemu.err"
}
qemu_pid=$QEMU_PID

wait_for 10 log_has "QEMU connected"
check $? "QEMU connects to the dongle"
wait_for 5 log_has "device connected: 1209:0001 high speed"
check $? "the dongle plugs in a 1209:0001 high-speed device"
wait_for 30 attached
check $? "QEMU's info usb: the device is attached at 480 Mb/s"
diag "$(grep 'ID: hsi' "$work/monitor.out" | tail -1 | sed 's/^ *//')"
wait_for 30 log_has "GET_DESCRIPTOR(DEVICE 0).*bytes"
check $? "the firmware reads the device descriptor"
wait_for 10 log_has "GET_DESCRIPTOR(CONFIGURATION 0).*39 bytes"
check $? "the firmware reads the whole configuration descriptor"

stop_dongle
check $? "SIGTERM under a running QEMU: the dongle exits 0, its socket removed"
wait_for 5 detached
check $? "QEMU's info usb: the device is unplugged"
start_dongle
wait_for 10 eval '[ "$(log_count "QEMU connected")" = 2 ]'
check $? "a new dongle: QEMU reconnects by itself (reconnect=1)"
wait_for 10 attached
check $? "QEMU's info usb: the device is plugged in again, at 480 Mb/s"

echo quit >&"${QEMU[1]}"
wait_for 10 test ! -e "/proc/$qemu_pid"
check $? "QEMU quits from its monitor"
qemu_pid=
wait_for 5 eval '[ "$(log_count "QEMU closed the connection")" = 1 ]'
check $? "the dongle sees QEMU go and waits for it"
stop_dongle
check $? "SIGTERM: the dongle exits 0, its socket removed"
! grep -qE "AddressSanitizer|runtime error" "$work/dongle.log"
check $? "no sanitizer report in the dongle's log"
if [ $failed != 0 ]; then
    while IFS= read -r line; do diag "dongle: $line"; done < <(tail -20 "$work/dongle.log")
    while IFS= read -r line; do diag "qemu: $line"; done < <(tail -5 "$work/qemu.err")
fi

echo "    KTAP version 1"
echo "    # Subtest: qemu_acceptance"
echo "    1..$checks"
printf '    %s\n' "${results[@]}"
passed=$(printf '%s\n' "${results[@]}" | grep -c '^ok ')
echo "# qemu_acceptance: pass:$passed fail:$((checks - passed)) skip:0 total:$checks"
echo "$([ $failed = 0 ] && echo ok || echo not ok) 1 qemu_acceptance"
echo "# Totals: pass:$passed fail:$((checks - passed)) skip:0 total:$checks"
exit $failed
