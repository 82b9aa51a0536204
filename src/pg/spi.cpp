// See spi.hpp.
#include "spi.hpp"

#include <cstring>

extern "C" {
#include "utils/guc.h"
}

namespace student_etl::pg {

namespace {

// The search_path every statement of the extension runs under (as in every SQL function's
// SET clause): pg_catalog first, and pg_temp, which is never searched for functions or
// operators, last.
constexpr const char* kPinnedSearchPath = "pg_catalog, pg_temp";

}  // namespace

uint64 run_sql(const char* sql, const SqlArgs& args, int expect, SqlResultFn on_result, void* result_arg)
{
    // Like a function's SET clause: a GUC nest level undone below, or by the transaction's
    // abort if the statement raises.
    const int nest_level = NewGUCNestLevel();
    (void) set_config_option("search_path", kPinnedSearchPath, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
                             0, false);
    const int connected = SPI_connect();
    if (connected != SPI_OK_CONNECT)
        elog(ERROR, "student_etl: SPI_connect failed: %s", SPI_result_code_string(connected));
    const int rc = SPI_execute_with_args(sql, args.n, const_cast<Oid*>(args.types), const_cast<Datum*>(args.values),
                                         args.nulls, false, 0);
    if (rc != expect)
        elog(ERROR, "student_etl: statement failed (%s, expected %s): %s", SPI_result_code_string(rc),
             SPI_result_code_string(expect), sql);
    const uint64 processed = SPI_processed;
    if (on_result != nullptr)
        on_result(result_arg);
    const int finished = SPI_finish();
    if (finished != SPI_OK_FINISH)
        elog(ERROR, "student_etl: SPI_finish failed: %s", SPI_result_code_string(finished));
    AtEOXact_GUC(true, nest_level);
    return processed;
}

char* sql_result_text(uint64 row, int column)
{
    const char* v = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column);
    if (v == nullptr)
        return nullptr;
    const size_t len = strlen(v) + 1;
    auto* copy = static_cast<char*>(SPI_palloc(len));   // the caller's memory, not SPI's
    memcpy(copy, v, len);
    return copy;
}

namespace {

struct FirstValue {
    Datum value;
    bool isnull;
};

void take_first_value(void* arg)
{
    auto* out = static_cast<FirstValue*>(arg);
    out->isnull = true;
    if (SPI_processed > 0 && SPI_tuptable != nullptr)
        out->value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &out->isnull);
}

}  // namespace

int64 run_sql_int8(const char* sql, const SqlArgs& args, int expect)
{
    FirstValue first{0, true};
    run_sql(sql, args, expect, take_first_value, &first);
    return first.isnull ? 0 : DatumGetInt64(first.value);   // by value: valid after SPI_finish
}

bool run_sql_bool(const char* sql, const SqlArgs& args)
{
    FirstValue first{0, true};
    run_sql(sql, args, SPI_OK_SELECT, take_first_value, &first);
    return !first.isnull && DatumGetBool(first.value);
}

}  // namespace student_etl::pg
