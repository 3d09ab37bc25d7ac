/* A program built against an installed faultline (tests/install/test_install.sh
 * compiles it with `pkg-config --cflags --libs faultline` only): loads FILE,
 * runs SEED and then the file's whole range through the public interface
 * and prints, for the test to compare with `faultline replay` and `run`:
 *
 *   seed SEED: VERDICT trace hash HEX
 *   range A..B: VERDICT at seed S after N seeds
 */
#include <faultline/faultline.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: api_example FILE SEED\n");
        return 2;
    }
    char error[1024];
    faultline_scenario_t *scenario = NULL;
    if (faultline_load(argv[1], &scenario, error, sizeof error) != FAULTLINE_OK) {
        fprintf(stderr, "%s\n", error);
        return 2;
    }
    uint64_t seed = strtoull(argv[2], NULL, 10), first = 0, last = 0;
    faultline_result_t result;
    if (faultline_run_seed(scenario, seed, NULL, &result) != FAULTLINE_OK) {
        fprintf(stderr, "%s\n", result.message);
        faultline_free(scenario);
        return 2;
    }
    printf("seed %" PRIu64 ": %s trace hash %016" PRIx64 "\n", result.seed,
           faultline_verdict_name(result.verdict), result.trace_hash);
    faultline_seed_range(scenario, &first, &last);
    if (faultline_run(scenario, NULL, &result) != FAULTLINE_OK) {
        fprintf(stderr, "%s\n", result.message);
        faultline_free(scenario);
        return 2;
    }
    printf("range %" PRIu64 "..%" PRIu64 ": %s at seed %" PRIu64 " after %" PRIu64 " seeds\n",
           first, last, faultline_verdict_name(result.verdict), result.seed, result.seeds_run);
    printf("name: %s, %s, version %s\n", faultline_name(scenario),
           faultline_finds(scenario) ? "finds" : "holds", faultline_version());
    faultline_free(scenario);
    return result.passed ? 0 : 1;
}
