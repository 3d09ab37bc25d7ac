/* See bench.h. */
#include "bench/bench.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
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
