#!/bin/sh
# run-all.sh DIR: runs every test program in DIR (as the project's runner
# does), each under a timeout, and prints a one-line verdict per program.
# Exit status 0 only if all passed. Output of a failing program is shown.
dir=$1
fail=0
total=0
for t in "$dir"/*; do
    [ -x "$t" ] || continue
    total=$((total + 1))
    name=$(basename "$t")
    start=$(date +%s)
    out=$(timeout 60 "$t" 2>&1)
    rc=$?
    secs=$(($(date +%s) - start))
    summary=$(printf '%s\n' "$out" | grep '^# Totals:' | tail -1)
    if [ $rc -eq 0 ]; then
        echo "PASS $name (${secs}s) $summary"
    else
        fail=$((fail + 1))
        echo "FAIL $name (exit $rc, ${secs}s) $summary"
        printf '%s\n' "$out" | grep -E 'not ok|^ *#' | grep -v '^# Totals' | head -60
    fi
done
echo "$((total - fail))/$total test programs passed"
[ $fail -eq 0 ]
