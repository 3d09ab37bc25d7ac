/* See bench.h. */
#include "bench/bench.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

double bench_now_seconds(void)
{
    struct timespec now;
    int status = clock_gettime(CLOCK_MONOTONIC, &now);
    assert(status == 0);
    (void)status;
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* Enough decimals for three significant digits, and no more than that for
 * large values: "4.27", "312.5", "18342". */
static int decimals_for(double value)
{
    double magnitude = fabs(value);
    if (magnitude < 1.0)
        return 3;
    if (magnitude < 10.0)
        return 2;
    if (magnitude < 1000.0)
        return 1;
    return 0;
}

void bench_report(const char *figure, double value, const char *unit,
                  const char *baseline_name, double baseline_value,
                  const char *baseline_unit)
{
    assert(figure != NULL && unit != NULL);
    assert(baseline_name != NULL && baseline_unit != NULL);
    double ratio = baseline_value != 0.0 ? value / baseline_value : NAN;
    printf("%s: %.*f %s (baseline %s %.*f %s, ratio %.3f)\n", figure,
           decimals_for(value), value, unit, baseline_name,
           decimals_for(baseline_value), baseline_value, baseline_unit, ratio);
    fflush(stdout);
}

int bench_read_response(fl_conn_t *conn, const char *tail) {
    char buffer[512];
    size_t length = 0;
    size_t tail_length = strlen(tail);
    for (;;) {
        size_t n;
        int status = fl_conn_read(conn, buffer + length, sizeof buffer - length, &n);
        if (status != FL_OK) return status;
        length += n;
        if (length >= tail_length && memcmp(buffer + length - tail_length, tail, tail_length) == 0)
            return FL_OK;
        if (length == sizeof buffer) return FL_EPARSE;
    }
}

double bench_run_and_parse(const char *command, const char *marker, bool echo_other_lines) {
    fflush(NULL); /* the child inherits our stdout: nothing printed twice */
    FILE *output = popen(command, "r");
    if (output == NULL) return 0;
    char line[512];
    double value = 0;
    while (fgets(line, sizeof line, output) != NULL) {
        char *found = strstr(line, marker);
        if (found != NULL) value = strtod(found + strlen(marker), NULL);
        else if (echo_other_lines) fputs(line, stderr);
    }
    int status = pclose(output);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: '%s' failed\n", command);
        return 0;
    }
    return value;
}
