# student_etl: PGXS build. `make && make install && make installcheck` as for any extension;
# `make unitcheck` runs the pure C++ unit tests; `make prove` the pgTAP tests (needs a
# running server, like installcheck). scripts/test.sh runs all of it on a throwaway cluster.

EXTENSION   = student_etl
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big  = student_etl
CORE_OBJS   = src/core/schema.o src/core/delivery_parser.o src/core/printable.o src/core/field_values.o \
              src/core/reject_issue.o src/core/header_binding.o src/core/student_metrics.o \
              src/core/background_parser.o src/core/heap_footprint.o src/core/missing_values.o \
              src/core/delivery_quality.o src/core/sha256.o src/core/line_split.o
PG_OBJS     = src/pg/guard.o src/pg/module.o src/pg/spi.o src/pg/trust.o src/pg/owner_call.o \
              src/pg/allowed_paths.o src/pg/delivery_file.o src/pg/bulk_writer.o \
              src/pg/run_log.o src/pg/student_rows.o src/pg/validated_checks.o src/pg/load_pipeline.o \
              src/pg/load.o src/pg/worker_shmem.o src/pg/queue.o src/pg/inbox.o src/pg/worker_catalog.o \
              src/pg/worker.o src/pg/quality.o src/pg/missing_policy.o
OBJS        = $(CORE_OBJS) $(PG_OBJS)

# The install script of the current version is assembled from src/sql/*.sql, one object family
# per file. Released versions' install scripts and the upgrade scripts between versions are
# committed as shipped and never edited (sql/versions/); the upgrade test checks that every
# path from a released version ends in the same catalog as a fresh install.
SQL_PARTS   = $(sort $(wildcard src/sql/*.sql))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
DATA        = $(wildcard sql/versions/$(EXTENSION)--*.sql)
EXTRA_CLEAN = build results regression.diffs regression.out

REGRESS      = $(sort $(basename $(notdir $(wildcard sql/[0-9]*.sql))))
REGRESS_OPTS =

PG_CPPFLAGS = -Isrc/core -DSTUDENT_ETL_VERSION=\"$(EXTVERSION)\"
# -fno-semantic-interposition: calls between the library's own functions go straight to them,
# not through the PLT, and may be inlined (nothing is meant to interpose on them).
PG_CXXFLAGS = -std=c++17 -fno-semantic-interposition -Wno-register -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
SHLIB_LINK  = -lcsv -lcrypto -lstdc++

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
# No LLVM bitcode: JIT-inlining a C++ loader buys nothing and would need clang at build time.
override with_llvm = no
# Rebuild what includes a changed header (dependency files in .deps/): a stale object built
# against another struct layout is a crash, not a compile error.
override autodepend = yes
include $(PGXS)

$(DATA_built): $(SQL_PARTS) $(EXTENSION).control
	cat $(SQL_PARTS) > $@

# Deliveries the regression tests load; the server must be able to read them, and the tests
# allow exactly this directory.
REGRESS_DATA = /tmp/student_etl_regress
.PHONY: regress-data
regress-data:
	rm -rf $(REGRESS_DATA) && mkdir -p $(REGRESS_DATA)
	cp -R test/data/. $(REGRESS_DATA)/
	ln -s /etc/passwd $(REGRESS_DATA)/escape-link.csv
	chmod -R a+rX $(REGRESS_DATA)
installcheck prove: regress-data

# Pure C++ unit tests (GoogleTest), no server needed.
UNIT_SRCS = $(wildcard test/unit/*.cpp) $(CORE_OBJS:.o=.cpp)
UNIT_FLAGS = -std=c++17 -O2 -g -Wall -Wextra -Werror -Isrc/core
build/unit_tests: $(UNIT_SRCS) $(wildcard src/core/*.hpp)
	mkdir -p build
	$(CXX) $(UNIT_FLAGS) $(UNIT_SRCS) -lcsv -lcrypto -lgtest -lgtest_main -pthread -o $@
.PHONY: unitcheck prove
unitcheck: build/unit_tests
	./build/unit_tests

# pgTAP tests, run with pg_prove against the database named by PGDATABASE (default
# student_etl_tap), which is created if missing.
PROVE_DB ?= student_etl_tap
prove:
	psql -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(PROVE_DB)'" | grep -q 1 || createdb $(PROVE_DB)
	pg_prove -d $(PROVE_DB) --ext .sql -r test/pgtap

# The unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer (any report fails).
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
build/unit_tests_sanitize: $(UNIT_SRCS) $(wildcard src/core/*.hpp)
	mkdir -p build
	$(CXX) $(UNIT_FLAGS) -O1 $(SANITIZE_FLAGS) $(UNIT_SRCS) -lcsv -lcrypto -lgtest -lgtest_main -pthread -o $@
.PHONY: unitcheck-sanitize
unitcheck-sanitize: build/unit_tests_sanitize
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 ./build/unit_tests_sanitize

# libFuzzer on the pure C++ parser + validator (test/fuzz), with ASan + UBSan, seeded from
# test/data and test/data/bad. `make fuzz FUZZ_SECONDS=N`; findings land in build/fuzz-findings.
FUZZ_CXX     ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_SRCS    = test/fuzz/fuzz_delivery_parser.cpp $(filter src/core/%,$(UNIT_SRCS))
build/fuzz_delivery_parser: $(FUZZ_SRCS) $(wildcard src/core/*.hpp)
	mkdir -p build
	$(FUZZ_CXX) -std=c++17 -g -O1 -Isrc/core -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all $(FUZZ_SRCS) -lcsv -lcrypto -o $@
.PHONY: fuzz
fuzz: build/fuzz_delivery_parser
	mkdir -p build/fuzz-corpus build/fuzz-findings
	./build/fuzz_delivery_parser -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz-findings/ \
	    build/fuzz-corpus test/data test/data/bad

# The full variants of the reliability tests: a long fuzz run, then the whole suite with
# STUDENT_ETL_STRESS=1 (faults on the sample x10,000 = 3.95 M records, 32 racing loads).
# Like scripts/test.sh it installs the extension; on a shared machine run it under the same
# install lock as scripts/test.sh.
STRESS_FUZZ_SECONDS ?= 600
.PHONY: stress
stress:
	$(MAKE) fuzz FUZZ_SECONDS=$(STRESS_FUZZ_SECONDS)
	STUDENT_ETL_STRESS=1 FUZZ_SECONDS=0 bash scripts/test.sh
