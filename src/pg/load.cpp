// SQL entry: student_etl.load(path text, subject text DEFAULT NULL).
#include "guard.hpp"
#include "load_pipeline.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
}

namespace student_etl::pg {

namespace {

Datum load_impl(FunctionCallInfo fcinfo)
{
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("path must not be null")));
    const char* path = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char* subject = PG_ARGISNULL(1) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(1));
    LoadOutcome outcome = load_delivery(path, subject);

    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "student_etl.load must return a row");
    desc = BlessTupleDesc(desc);
    Datum values[] = {
        Int64GetDatum(outcome.run_id),
        CStringGetTextDatum(outcome.status),
        CStringGetTextDatum(outcome.subject),
        Int64GetDatum(static_cast<int64>(outcome.counts.rows_read)),
        Int64GetDatum(static_cast<int64>(outcome.counts.rows_loaded)),
        Int64GetDatum(static_cast<int64>(outcome.counts.rows_rejected)),
        Int64GetDatum(static_cast<int64>(outcome.counts.rows_with_missing)),
    };
    bool nulls[] = {false, false, false, false, false, false, false};
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

}  // namespace

}  // namespace student_etl::pg

STUDENT_ETL_SQL_FUNCTION(student_etl_load, student_etl::pg::load_impl)
