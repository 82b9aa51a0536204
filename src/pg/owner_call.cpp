// SQL entry points whose work needs both who called and the owner's rights -- schedules,
// profiles -- are declared
//
//     CREATE FUNCTION student_etl.X(args) ... AS 'MODULE_PATHNAME', 'student_etl_owner_call'
//
// and implemented in SQL by student_etl._X(caller regrole, args), which only the extension
// owner may execute. This function takes the caller from the current user (a SECURITY DEFINER
// function could not see it), becomes the owner and runs _X with the caller prepended; a set-
// returning X returns _X's rows. So the SQL implementation trusts its first argument because
// nobody but this code can call it.
#include "guard.hpp"
#include "spi.hpp"
#include "trust.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type_d.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"
}

namespace student_etl::pg {

namespace {

constexpr int kMaxArgs = 16;

struct CallResult {
    FunctionCallInfo fcinfo;
    bool retset;
    Oid rettype;
    Datum value;   // a scalar result, copied into the caller's memory
    bool isnull;
};

void take_result(void* arg)
{
    auto* r = static_cast<CallResult*>(arg);
    if (r->retset) {
        auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(r->fcinfo->resultinfo);
        for (uint64 i = 0; i < SPI_processed; ++i)
            tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
        return;
    }
    r->isnull = true;
    if (SPI_processed == 0)
        return;
    Datum v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &r->isnull);
    if (!r->isnull)
        r->value = SPI_datumTransfer(v, get_typbyval(r->rettype), get_typlen(r->rettype));
}

Datum owner_call_impl(FunctionCallInfo fcinfo)
{
    require_schema_version();
    const Oid caller = GetUserId();
    const Oid fn = fcinfo->flinfo->fn_oid;
    HeapTuple proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
    if (!HeapTupleIsValid(proc))
        elog(ERROR, "student_etl: cache lookup failed for function %u", fn);
    const auto* form = reinterpret_cast<Form_pg_proc>(GETSTRUCT(proc));
    const int nargs = form->pronargs;
    if (nargs + 1 > kMaxArgs)
        elog(ERROR, "student_etl: too many arguments for an owner call");
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql, "SELECT * FROM student_etl.%s(", quote_identifier(psprintf("_%s", NameStr(form->proname))));
    Oid types[kMaxArgs];
    Datum values[kMaxArgs];
    char nulls[kMaxArgs];
    types[0] = OIDOID;
    values[0] = ObjectIdGetDatum(caller);
    nulls[0] = ' ';
    appendStringInfoString(&sql, "$1::pg_catalog.regrole");
    for (int i = 0; i < nargs; ++i) {
        types[i + 1] = form->proargtypes.values[i];
        values[i + 1] = fcinfo->args[i].value;
        nulls[i + 1] = fcinfo->args[i].isnull ? 'n' : ' ';
        appendStringInfo(&sql, ", $%d", i + 2);
    }
    appendStringInfoChar(&sql, ')');
    CallResult result{fcinfo, form->proretset, form->prorettype, 0, true};
    ReleaseSysCache(proc);

    if (result.retset)
        InitMaterializedSRF(fcinfo, 0);
    SavedIdentity saved;
    act_as_owner(&saved);
    run_sql(sql.data, SqlArgs{nargs + 1, types, values, nulls}, SPI_OK_SELECT, take_result, &result);
    restore_identity(&saved);
    if (result.retset)
        return (Datum) 0;
    if (result.isnull)
        PG_RETURN_NULL();
    return result.value;
}

}  // namespace

}  // namespace student_etl::pg

STUDENT_ETL_SQL_FUNCTION(student_etl_owner_call, student_etl::pg::owner_call_impl)
