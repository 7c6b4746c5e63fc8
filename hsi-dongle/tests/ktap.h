/*
 * ktap.h: test output in KTAP version 1, as Linux KUnit prints it.
 *
 * A test program is a list of groups; each group is a subtest whose own
 * results are indented four spaces:
 *
 *   KTAP version 1
 *   1..2
 *       KTAP version 1
 *       # Subtest: descriptors
 *       1..3
 *       ok 1 device descriptor is 18 bytes
 *       ...
 *   ok 1 descriptors
 *
 * A group's lines are collected and printed when it ends, so its plan can
 * come first. The program exits 0 only if every check passed.
 */
#ifndef KTAP_H
#define KTAP_H

#include <stdbool.h>

void ktap_begin(int groups);
void ktap_group(const char *name);
/* Records one result; returns `ok` so a test can stop early on failure. */
bool ktap_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ktap_skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktap_group_end(void);
/* Prints the totals; the exit status for main(). */
int ktap_end(void);

#endif /* KTAP_H */
