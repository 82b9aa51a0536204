# student_etl: PGXS build. `make && make install && make installcheck` as for any extension;
# `make unitcheck` runs the pure C++ unit tests; `make prove` the pgTAP tests (needs a
# running server, like installcheck). scripts/test.sh runs all of it on a throwaway cluster.

EXTENSION   = student_etl
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big  = student_etl
CORE_OBJS   = src/core/schema.o src/core/delivery_parser.o
PG_OBJS     = src/pg/guard.o src/pg/module.o src/pg/delivery_file.o src/pg/bulk_writer.o \
              src/pg/run_log.o src/pg/student_rows.o src/pg/load_pipeline.o \
              src/pg/load.o src/pg/worker_shmem.o src/pg/queue.o src/pg/inbox.o \
              src/pg/worker.o
OBJS        = $(CORE_OBJS) $(PG_OBJS)

# The install script is assembled from src/sql/*.sql, one object family per file.
SQL_PARTS   = $(sort $(wildcard src/sql/*.sql))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
EXTRA_CLEAN = build results regression.diffs regression.out

REGRESS      = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS =

PG_CPPFLAGS = -Isrc/core
PG_CXXFLAGS = -std=c++17 -Wno-register -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
SHLIB_LINK  = -lcsv -lstdc++

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
# No LLVM bitcode: JIT-inlining a C++ loader buys nothing and would need clang at build time.
override with_llvm = no
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
UNIT_SRCS = $(wildcard test/unit/*.cpp) src/core/schema.cpp src/core/delivery_parser.cpp
UNIT_FLAGS = -std=c++17 -O2 -g -Wall -Wextra -Werror -Isrc/core
build/unit_tests: $(UNIT_SRCS) $(wildcard src/core/*.hpp)
	mkdir -p build
	$(CXX) $(UNIT_FLAGS) $(UNIT_SRCS) -lcsv -lgtest -lgtest_main -pthread -o $@
.PHONY: unitcheck prove
unitcheck: build/unit_tests
	./build/unit_tests

# pgTAP tests, run with pg_prove against the database named by PGDATABASE (default
# student_etl_tap), which is created if missing.
PROVE_DB ?= student_etl_tap
prove:
	psql -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(PROVE_DB)'" | grep -q 1 || createdb $(PROVE_DB)
	pg_prove -d $(PROVE_DB) --ext .sql -r test/pgtap
