/* Helpers shared by the benchmarks in bench/: a clock, the one-line report
 * format that `make bench` prints for every figure, a baseline command's
 * figure, and a response reader.
 *
 * Benchmarks are the one place faultline reads the wall clock: they measure
 * the machine, not a simulated run, so determinism does not apply here. */
#ifndef FL_BENCH_H
#define FL_BENCH_H

#include <stdbool.h>

#include "sim/net/net.h"
#include "sim/runtime/status.h"

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

/* Runs command through the shell and returns the number that follows the
 * last occurrence of marker in its output, or 0 when the command fails (said
 * on stderr) or never prints marker. With echo_other_lines, the output's
 * other lines go to stderr (a peer's warnings stay visible). */
double bench_run_and_parse(const char *command, const char *marker, bool echo_other_lines);

/* Reads one whole HTTP response from conn, for the raw-socket loops: the
 * benchmarks' endpoints answer with a body ending in tail, and nothing is
 * pipelined, so tail arriving last marks the end. FL_OK, the read's error,
 * or FL_EPARSE when 512 bytes go by without it. */
int bench_read_response(fl_conn_t *conn, const char *tail);

#endif /* FL_BENCH_H */
