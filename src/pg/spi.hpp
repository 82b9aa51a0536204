// The one way the extension runs SQL: a fixed statement with parameters, through SPI, with
// search_path pinned to pg_catalog, pg_temp for the statement's parse and execution, whatever
// the session, the role or the database set it to (a shadowing public.clock_timestamp() or
// public.= is never reached). Every result code is checked. PostgreSQL-side code: plain data
// only (guard.hpp).
#pragma once

extern "C" {
#include "postgres.h"
#include "executor/spi.h"
}

namespace student_etl::pg {

// One statement's parameters: n values of the given types; nulls as SPI takes them (' ' or
// 'n' per value, or nullptr for none null).
struct SqlArgs {
    int n;
    const Oid* types;
    const Datum* values;
    const char* nulls;
};

constexpr SqlArgs kNoArgs{0, nullptr, nullptr, nullptr};

// Called with SPI's result still in place (SPI_tuptable, SPI_processed), before SPI_finish():
// copy out what is needed into memory that outlives the call.
using SqlResultFn = void (*)(void* arg);

// Runs sql; raises unless SPI answers `expect` (SPI_OK_SELECT, SPI_OK_INSERT_RETURNING, ...).
// Returns the number of rows processed.
uint64 run_sql(const char* sql, const SqlArgs& args, int expect, SqlResultFn on_result = nullptr,
               void* result_arg = nullptr);

// Inside an SqlResultFn: column (1-based) of row (0-based) as text, copied into the memory of
// run_sql's caller; nullptr when null.
char* sql_result_text(uint64 row, int column);

// run_sql, returning the first column of the first row as int8 (0 when there is no row or it
// is null).
int64 run_sql_int8(const char* sql, const SqlArgs& args, int expect);


// run_sql, returning the first column of the first row as a boolean (false when none).
bool run_sql_bool(const char* sql, const SqlArgs& args);

}  // namespace student_etl::pg
