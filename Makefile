# faultline — build, test, coverage and benchmarks.
#
#   make            build everything into build/ (installs missing packages first)
#   make run        build, then run the scenario suites on their defaults (reports/:
#                   junit.xml, results.jsonl, index.html)
#   make test       build, then run every cmocka test binary and the script tests
#   make test-sanitize   the same tests under AddressSanitizer + UBSan
#   make test-ucontext   the same tests with the ucontext task switch
#   make coverage   instrumented unit tests and scenario suites, then gcovr reports
#                   under reports/ and a summary per layer (SCENARIOS=, UNIT=: below)
#   make fuzz       each libFuzzer target under tests/fuzz/ for FUZZ_TIME seconds
#                   (default 60); `make fuzz-smoke` runs each for a few seconds;
#                   `make fuzz-coverage` the lines and branches their corpora reach
#   make bench      -O2 benchmarks, one figure per line with its baseline ratio
#   make deps       install the Debian packages that are missing (nothing if none)
#   make bench-deps the same for the benchmarks: nginx, wrk, python3-httpx
#   make install    faultline, libfaultline.a, its header, faultline.pc, the man
#                   pages and the shell completions under PREFIX (/usr/local),
#                   staged under DESTDIR if given; `make uninstall` removes them
#
# Output is one line a step (CC file.c, AR lib, LD bin); V=1 shows the full
# commands and every test's output. Jobs run in parallel, one per CPU, unless
# the command line says otherwise (-j1).
#
# Variant builds live in their own folders (build/sanitize, build/coverage, ...)
# so switching between them never mixes objects.

CC ?= cc
BUILD_DIR ?= build
CONTEXT ?= asm
OPT ?= -O2 -g
SANITIZE_FLAGS ?=
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=

LLHTTP_SRC_DIR ?= /usr/share/llhttp
LLHTTP_INCLUDE_DIR ?= /usr/share/include/llhttp

DEB_PACKAGES := build-essential pkg-config man-db groff-base zsh libuv1-dev libcmocka-dev libyaml-dev \
                gcovr node-llhttp valgrind curl python3 python3-httpx python3-uvicorn \
                python3-junitparser python3-jsonschema python3-yaml chromium clang libclang-rt-14-dev llvm-14

# What `make bench` measures the client against: nginx as the server, wrk
# and Python's httpx as the baselines. Alternatives are separated by commas: any
# one installed will do, the first is what gets installed.
BENCH_DEB_PACKAGES := nginx-light,nginx,nginx-core,nginx-full,nginx-extras wrk python3-httpx python3-starlette python3-anyio

# --- output and parallelism -------------------------------------------------
# `say` prints a step's short line unless V=1; Q hides the command it stands
# for. Only the top-level make picks the job count: a sub-make inherits the
# jobserver, and -jN on the command line (MAKELEVEL 0 too) wins over ours.
V ?= 0
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-4s %s\n' '$(1)' '$(2)'
endif
ifeq ($(MAKELEVEL),0)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif
export V

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror
CPPFLAGS_ALL := -I. -Iinclude -I$(LLHTTP_INCLUDE_DIR) -D_GNU_SOURCE
ifeq ($(CONTEXT),ucontext)
CPPFLAGS_ALL += -DFL_CONTEXT_UCONTEXT=1
endif
CFLAGS_ALL := -std=c11 $(OPT) $(WARNINGS) $(SANITIZE_FLAGS) $(EXTRA_CFLAGS) -MMD -MP
LDFLAGS_ALL := $(SANITIZE_FLAGS) $(EXTRA_LDFLAGS)
LIBS := -luv -lyaml -lm
TEST_LIBS := -lcmocka

# Sources: every C or assembly file of the library layers. harness/cli/main.c is
# the CLI's entry point and is linked only into the faultline binary.
LIB_SRCS := $(sort $(wildcard sim/*/*.c sim/*/*.S client/*.c harness/*/*.c))
LIB_SRCS := $(filter-out harness/cli/main.c,$(LIB_SRCS))
LIB_OBJS := $(patsubst %,$(BUILD_DIR)/obj/%.o,$(LIB_SRCS))
LLHTTP_SRCS := $(wildcard $(LLHTTP_SRC_DIR)/*.c)
LLHTTP_OBJS := $(patsubst $(LLHTTP_SRC_DIR)/%.c,$(BUILD_DIR)/llhttp/%.o,$(LLHTTP_SRCS))
LIBRARY := $(BUILD_DIR)/libfaultline.a

TEST_SUPPORT_SRCS := $(sort $(wildcard tests/support/*.c))
TEST_SUPPORT_OBJS := $(patsubst %,$(BUILD_DIR)/obj/%.o,$(TEST_SUPPORT_SRCS))
TEST_SRCS := $(sort $(shell find tests -name 'test_*.c' 2>/dev/null))
TEST_BINS := $(patsubst tests/%.c,$(BUILD_DIR)/tests/%,$(TEST_SRCS))
# Tests that are scripts (a browser loading the HTML report): run by
# `make test` with the faultline binary they drive, as tests/run.sh runs the
# binaries (they print cmocka's summary lines).
TEST_SCRIPTS := $(sort $(shell find tests -name 'test_*.sh' 2>/dev/null))

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang by `make fuzz`.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD_DIR)/fuzz/%,$(FUZZ_SRCS))
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 5

BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))
BENCH_SUPPORT_SRCS := $(filter-out $(BENCH_SRCS),$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD_DIR)/bench/%,$(BENCH_SRCS))

FAULTLINE := $(BUILD_DIR)/faultline

.PHONY: all deps run test test-run test-sanitize test-ucontext test-valgrind \
        coverage fuzz fuzz-smoke fuzz-run fuzz-coverage fuzz-coverage-run bench bench-deps bench-run clean
.DEFAULT_GOAL := all
# Objects are never intermediate: keep them so rebuilds stay incremental.
.SECONDARY:

all: deps
	@$(MAKE) --no-print-directory build-all

.PHONY: build-all
build-all: $(LIBRARY) $(FAULTLINE) $(TEST_BINS)
	@:

# Installs only what is missing, so it is quick and silent on a ready machine.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null \
	    || { echo "make deps: apt-get install failed for$$missing" >&2; exit 1; }; \
	fi

run: deps
	@$(MAKE) --no-print-directory build-all
	@mkdir -p reports
	@$(FAULTLINE) run scenarios/ --junit reports/junit.xml --json reports/results.jsonl \
	  --self-check 5% \
	  --html reports

# Each part ends with its summary line (tests/run.sh: "unit tests: N passed,
# N failed in N binaries"; the suites: "scenario suites: ..."); each that
# fails fails make, after the later parts have not run.
test: deps
	@$(MAKE) --no-print-directory build-all
	@$(MAKE) --no-print-directory test-run
	@FAULTLINE=$(FAULTLINE) FL_TEST_LABEL="script tests" tests/run.sh $(TEST_SCRIPTS)
	@$(MAKE) --no-print-directory test-scenarios

test-run: $(TEST_BINS)
	@FL_TEST_LABEL="unit tests" tests/run.sh $(TEST_BINS)

# The suites under scenarios/ with their coverage marks required. Quiet: the
# lines of files that held or found their bug are left out (V=1 streams them
# all); the summary line names the suites. The exit code is run's.
.PHONY: test-scenarios
test-scenarios: $(FAULTLINE)
ifeq ($(V),1)
	$(FAULTLINE) run scenarios/ --require-marks
else
	@log=$(BUILD_DIR)/test-scenarios.log; \
	$(FAULTLINE) run scenarios/ --require-marks > $$log; status=$$?; \
	grep -Ev '^(held|found) ' $$log \
	  | sed 's/^\([0-9]*\) scenarios: \(.*\)$$/scenario suites: \2 in \1 files/'; \
	exit $$status
endif

test-sanitize: deps
	@$(MAKE) --no-print-directory BUILD_DIR=build/sanitize OPT="-O1 -g" \
	  SANITIZE_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  test-run

test-ucontext: deps
	@$(MAKE) --no-print-directory BUILD_DIR=build/ucontext CONTEXT=ucontext test-run

# Every test binary under valgrind's memcheck: the task stacks are registered
# with valgrind, so a report here is a real error.
test-valgrind: deps
	@$(MAKE) --no-print-directory BUILD_DIR=build/valgrind OPT="-O1 -g" $(TEST_BINS:$(BUILD_DIR)/%=build/valgrind/%)
	@FL_TEST_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	  FL_TEST_LABEL="unit tests (valgrind)" tests/run.sh $(TEST_BINS:$(BUILD_DIR)/%=build/valgrind/%)

# Allocation-failure (torture) mode, as curl's (docs/HARDENING.md): a build
# under AddressSanitizer + UBSan whose own and libyaml's allocations
# are counted (sim/runtime/alloc_fail.h), then tests/torture/run.sh runs
# `faultline` for N = 1, 2, ... with the N-th allocation failing and checks
# each run ends in a clean out-of-memory error (exit 4), never a crash, a hang
# or a leak. TORTURE_ARGS go to the driver (--sample: the bounded CI share).
TORTURE_ARGS ?=
.PHONY: torture torture-build
torture: deps
	@$(MAKE) --no-print-directory torture-build
	@tests/torture/run.sh $(TORTURE_ARGS)

torture-build:
	@$(MAKE) --no-print-directory BUILD_DIR=build/torture OPT="-O1 -g" \
	  SANITIZE_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  EXTRA_CFLAGS="-DFL_TORTURE=1 -include $(CURDIR)/sim/runtime/alloc_redirect.h" \
	  build/torture/faultline

# What `make coverage` measures (README.md, "Coverage"):
#   make coverage                                  unit tests + every suite under scenarios/
#   make coverage SCENARIOS=scenarios/retry        only these suites (paths as `faultline run` takes)
#   make coverage SCENARIOS="scenarios/retry scenarios/sse" UNIT=1   those suites + the unit tests
#   make coverage SCENARIOS=none                   only the unit tests
#   make coverage SHARD=2/4                        the 2nd of 4 shares of the suites (`run --shard`)
# Naming suites measures just them: UNIT defaults to 1 only when SCENARIOS is
# not given. The suites run in worker processes (`run`'s default): each worker
# returns from main, so its counts are written, and libgcov locks each .gcda
# while it merges: the workers cover the lines and branches `--jobs 1` covers
# (their counts differ only by each worker's own start-up).
SCENARIOS ?=
UNIT ?= $(if $(filter-out none,$(SCENARIOS)),0,1)
SHARD ?=
COVERAGE_SUITES := $(if $(SCENARIOS),$(filter-out none,$(SCENARIOS)),scenarios/)
# Branches are counted without those of assert() lines (the lines still
# count): an assertion's failing side is taken only by a bug, as SQLite
# measures its branch coverage with assert() off. FL_ALWAYS/FL_NEVER
# (sim/runtime/assume.h) drop their branches in this build for the same reason.
GCOVR_COVERAGE := gcovr --root . --object-directory build/coverage/obj \
  --filter 'sim/' --filter 'client/' --filter 'harness/' \
  --exclude-branches-by-pattern '.*\bassert\s*\('

# The build is incremental (make rebuilds what changed, with its .gcno); only
# the counts (.gcda), the old reports and the notes of deleted sources are
# removed first. Removing objects would not do: .SECONDARY keeps a newer
# libfaultline.a from being relinked, and its counts would then have no .gcno
# to be read with.
coverage: deps
	@$(if $(or $(filter 1,$(UNIT)),$(COVERAGE_SUITES)),:,\
	  echo "make coverage: nothing to measure (SCENARIOS=none and UNIT=0)" >&2; exit 2)
	@rm -rf reports/coverage
	@find build/coverage -name '*.gcda' -delete 2>/dev/null || true
	@for notes in $$(find build/coverage/obj -name '*.gcno' 2>/dev/null); do \
	  source=$${notes#build/coverage/obj/}; \
	  [ -e "$${source%.gcno}" ] || rm -f "$$notes" "$${notes%.gcno}.o"; \
	done
	@$(MAKE) --no-print-directory BUILD_DIR=build/coverage OPT="-O0 -g" \
	  EXTRA_CFLAGS="--coverage -DFL_COVERAGE=1" EXTRA_LDFLAGS="--coverage" \
	  $(if $(filter 1,$(UNIT)),test-run) $(if $(COVERAGE_SUITES),build/coverage/faultline)
	@$(if $(COVERAGE_SUITES),build/coverage/faultline run $(COVERAGE_SUITES) $(if $(SHARD),--shard $(SHARD)))
	@mkdir -p reports/coverage
	@$(GCOVR_COVERAGE) \
	  --html-details reports/coverage/index.html \
	  --cobertura reports/coverage.xml \
	  --json reports/coverage.json \
	  --json-summary reports/coverage-summary.json \
	  --print-summary build/coverage/obj
	@tools/coverage_layers.py reports/coverage-summary.json

# The fuzz build: every library object compiled by clang with libFuzzer's
# coverage hooks, AddressSanitizer and UBSan (a report stops the run), each
# target linked with libFuzzer's main. tests/fuzz/run.sh runs each target on
# its seed corpus (tests/fuzz/corpus/NAME, read only) plus what it found
# before (build/fuzz/corpus/NAME), with its dictionary, and prints one line a
# target: executions, executions per second, coverage. A crash prints the
# command that replays its input.
FUZZ_BUILD := $(MAKE) --no-print-directory BUILD_DIR=build/fuzz CC=clang OPT="-O1 -g" \
  SANITIZE_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

fuzz: deps
	+@$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_TIME) fuzz-run

fuzz-smoke: deps
	+@$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SMOKE_TIME) fuzz-run

fuzz-run: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# What the fuzz corpora reach: each target rebuilt with clang's source-based
# coverage (no sanitizers) replays its seeds and what `make fuzz` found, and
# tests/fuzz/coverage.sh prints the lines and branches of its own sources.
fuzz-coverage: deps
	@$(MAKE) --no-print-directory BUILD_DIR=build/fuzz-cov CC=clang OPT="-O1 -g" \
	  SANITIZE_FLAGS="-fsanitize=fuzzer-no-link -fprofile-instr-generate -fcoverage-mapping" \
	  fuzz-coverage-run

fuzz-coverage-run: $(FUZZ_BINS)
	@tests/fuzz/coverage.sh $(FUZZ_BINS)

# Like deps, for the benchmarks' servers and baselines only.
bench-deps: deps
	@missing=""; \
	for alternatives in $(BENCH_DEB_PACKAGES); do \
	  found=""; \
	  for p in $$(echo $$alternatives | tr , " "); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' && found=$$p; \
	  done; \
	  [ -n "$$found" ] || missing="$$missing $${alternatives%%,*}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make bench-deps: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null \
	    || { echo "make bench-deps: apt-get install failed for$$missing" >&2; exit 1; }; \
	fi

bench: bench-deps
	@$(MAKE) --no-print-directory BUILD_DIR=build/bench OPT="-O2" bench-run

bench-run: $(BENCH_BINS) $(FAULTLINE)
	@for b in $(BENCH_BINS); do $$b || exit 1; done
	@bench/bench_proxy.sh $(FAULTLINE)

# --- install ------------------------------------------------------------------
# `make install PREFIX=/usr/local DESTDIR=/tmp/stage`: the binary, the library
# with its one public header, its pkg-config file, the two man pages and the
# bash and zsh completions. INSTALLED lists each file as SOURCE:DESTINATION:MODE;
# install copies exactly these and uninstall removes exactly these (and the
# header folder when it is left empty).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETION_DIR ?= $(PREFIX)/share/zsh/site-functions
FAULTLINE_VERSION := $(shell sed -n 's/^\#define FAULTLINE_VERSION "\(.*\)"/\1/p' include/faultline/faultline.h)
PUBLIC_HEADERS := $(sort $(wildcard include/faultline/*.h))
PC_FILE := $(BUILD_DIR)/faultline.pc
SCENARIO_PAGE := $(BUILD_DIR)/man/faultline-scenario.5

INSTALLED := $(FAULTLINE):$(BINDIR)/faultline:755 \
  $(LIBRARY):$(LIBDIR)/libfaultline.a:644 \
  $(foreach h,$(PUBLIC_HEADERS),$(h):$(INCLUDEDIR)/faultline/$(notdir $(h)):644) \
  $(PC_FILE):$(LIBDIR)/pkgconfig/faultline.pc:644 \
  man/faultline.1:$(MANDIR)/man1/faultline.1:644 \
  $(SCENARIO_PAGE):$(MANDIR)/man5/faultline-scenario.5:644 \
  completions/faultline.bash:$(BASH_COMPLETION_DIR)/faultline:644 \
  completions/_faultline:$(ZSH_COMPLETION_DIR)/_faultline:644

.PHONY: install uninstall install-files man
man: $(SCENARIO_PAGE)

install: deps
	@$(MAKE) --no-print-directory install-files

install-files: $(FAULTLINE) $(LIBRARY) $(PC_FILE) $(SCENARIO_PAGE)
	@for entry in $(INSTALLED); do \
	  source=$${entry%%:*}; rest=$${entry#*:}; target=$(DESTDIR)$${rest%:*}; \
	  [ "$(V)" = 1 ] || printf '  %-4s %s\n' INST "$$target"; \
	  install -D -m $${rest##*:} "$$source" "$$target" || exit 1; \
	done

uninstall:
	@for entry in $(INSTALLED); do \
	  rest=$${entry#*:}; target=$(DESTDIR)$${rest%:*}; \
	  [ -e "$$target" ] || continue; \
	  [ "$(V)" = 1 ] || printf '  %-4s %s\n' RM "$$target"; \
	  rm -f "$$target" || exit 1; \
	done
	@rmdir "$(DESTDIR)$(INCLUDEDIR)/faultline" 2>/dev/null || true

# The pc file's paths are written under ${prefix} where they lie under PREFIX,
# so pkg-config's --define-variable=prefix=... relocates them.
# It is written each time (PREFIX may differ from the last call) and replaced
# only when its text changed.
.PHONY: pc-file-always
$(PC_FILE): include/faultline.pc.in pc-file-always
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' \
	  -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
	  -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
	  -e 's|@VERSION@|$(FAULTLINE_VERSION)|' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; \
	else [ "$(V)" = 1 ] || printf '  %-4s %s\n' GEN $@; mv $@.tmp $@; fi

# faultline-scenario(5) is docs/SCENARIOS.md, converted.
$(SCENARIO_PAGE): docs/SCENARIOS.md man/scenario_page.py include/faultline/faultline.h
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)man/scenario_page.py $< $(FAULTLINE_VERSION) > $@.tmp && mv $@.tmp $@

clean:
	rm -rf build reports

# --- rules ------------------------------------------------------------------

$(LIBRARY): $(LIB_OBJS) $(LLHTTP_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(BUILD_DIR)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

$(BUILD_DIR)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

# llhttp is Debian's generated C: compiled as shipped, with its own warnings
# left to its authors.
$(BUILD_DIR)/llhttp/%.o: $(LLHTTP_SRC_DIR)/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) -I$(LLHTTP_INCLUDE_DIR) -std=c11 $(OPT) $(SANITIZE_FLAGS) $(EXTRA_CFLAGS) -w -c $< -o $@

$(FAULTLINE): $(BUILD_DIR)/obj/harness/cli/main.c.o $(LIBRARY)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS_ALL) $^ -o $@ $(LIBS)

$(BUILD_DIR)/tests/%: tests/%.c $(TEST_SUPPORT_OBJS) $(LIBRARY)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) $< $(TEST_SUPPORT_OBJS) $(LIBRARY) -o $@ $(TEST_LIBS) $(LIBS)

$(BUILD_DIR)/fuzz/%: tests/fuzz/%.c $(LIBRARY)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -fsanitize=fuzzer $(LDFLAGS_ALL) $< $(LIBRARY) -o $@ $(LIBS)

$(BUILD_DIR)/bench/%: bench/%.c $(BENCH_SUPPORT_SRCS) $(LIBRARY)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(LDFLAGS_ALL) $< $(BENCH_SUPPORT_SRCS) $(LIBRARY) -o $@ $(LIBS)

-include $(shell find $(BUILD_DIR) -name '*.d' -type f 2>/dev/null)
