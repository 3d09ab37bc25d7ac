/* Helpers shared by the benchmarks in bench/: a clock and the one-line report
 * format that `make bench` prints for every figure.
 *
 * Benchmarks are the one place faultline reads the wall clock: they measure
 * the machine, not a simulated run, so determinism does not apply here. */
#ifndef FL_BENCH_H
#define FL_BENCH_H

/* Seconds on CLOCK_MONOTONIC, for differences between two calls only. */
double bench_now_seconds(void);

/* Prints one line to stdout:
 *   <figure>: <value> <unit> (baseline <baseline_name> <baseline_value>
 *   <baseline_unit>, ratio <value / baseline_value, 3 decimals>)
 * with each value given to at least three significant digits. The strings
 * are the caller's and only read. */
void bench_report(const char *figure, double value, const char *unit,
                  const char *baseline_name, double baseline_value,
                  const char *baseline_unit);

#endif /* FL_BENCH_H */
