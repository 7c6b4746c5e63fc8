/* ktap.c: KTAP version 1 output for host test programs (see ktap.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"

static struct {
    char name[128];
    char *lines; /* the group's result and diagnostic lines, until it ends */
    size_t len, cap;
    int checks, failed, skipped;
    bool streaming; /* its plan is printed: print each line as it comes */
} group;

static int groups_done, groups_failed, total_pass, total_fail, total_skip;

static void append(const char *fmt, va_list ap)
{
    char line[1024];
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    size_t need = (size_t)(n < 0 ? 0 : n >= (int)sizeof(line) ? (int)sizeof(line) - 1 : n);

    if (group.len + need + 6 > group.cap) {
        group.cap = (group.len + need + 6) * 2;
        group.lines = realloc(group.lines, group.cap);
        if (!group.lines)
            abort();
    }
    memcpy(group.lines + group.len, "    ", 4);
    memcpy(group.lines + group.len + 4, line, need);
    group.len += 4 + need;
    group.lines[group.len++] = '\n';
    if (group.streaming) {
        fwrite(group.lines, 1, group.len, stdout);
        fflush(stdout);
        group.len = 0;
    }
}

static void add(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    append(fmt, ap);
    va_end(ap);
}

void ktap_begin(int groups)
{
    printf("KTAP version 1\n1..%d\n", groups);
    fflush(stdout);
}

void ktap_group(const char *name)
{
    snprintf(group.name, sizeof(group.name), "%s", name);
    group.len = 0;
    group.checks = group.failed = group.skipped = 0;
    group.streaming = false;
}

static void group_header(int planned)
{
    printf("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", group.name, planned);
}

void ktap_group_planned(const char *name, int planned)
{
    ktap_group(name);
    group_header(planned);
    fflush(stdout);
    group.streaming = true;
}

static void result(bool ok, const char *directive, const char *fmt, va_list ap)
{
    char text[512];

    vsnprintf(text, sizeof(text), fmt, ap);
    group.checks++;
    if (!ok)
        group.failed++;
    add("%s %d %s%s", ok ? "ok" : "not ok", group.checks, text, directive);
}

bool ktap_check(bool ok, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    result(ok, "", fmt, ap);
    va_end(ap);
    if (ok)
        total_pass++;
    else
        total_fail++;
    return ok;
}

void ktap_skip(const char *reason, const char *fmt, ...)
{
    char directive[256];
    va_list ap;

    snprintf(directive, sizeof(directive), " # SKIP %s", reason);
    va_start(ap, fmt);
    result(true, directive, fmt, ap);
    va_end(ap);
    group.skipped++;
    total_skip++;
}

void ktap_diag(const char *fmt, ...)
{
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    add("# %s", text);
}

void ktap_group_end(void)
{
    if (group.checks == 0)
        ktap_check(false, "the group checked nothing");
    groups_done++;
    if (!group.streaming)
        group_header(group.checks);
    fwrite(group.lines, 1, group.len, stdout);
    printf("# %s: pass:%d fail:%d skip:%d total:%d\n", group.name,
           group.checks - group.failed - group.skipped, group.failed, group.skipped, group.checks);
    printf("%s %d %s\n", group.failed ? "not ok" : "ok", groups_done, group.name);
    fflush(stdout);
    if (group.failed)
        groups_failed++;
}

int ktap_end(void)
{
    printf("# Totals: pass:%d fail:%d skip:%d total:%d\n", total_pass, total_fail, total_skip,
           total_pass + total_fail + total_skip);
    fflush(stdout);
    free(group.lines);
    return groups_failed ? 1 : 0;
}

int KtapFailures;

int KtapMain(const char *Suite, const KTAP_CASE *Cases, int Count)
{
    ktap_begin(1);
    ktap_group_planned(Suite, Count);
    for (int i = 0; i < Count; i++) {
        KtapFailures = 0;
        ktap_diag("start: %s", Cases[i].Name);
        Cases[i].Function();
        ktap_check(KtapFailures == 0, "%s", Cases[i].Name);
    }
    ktap_group_end();
    return ktap_end();
}
