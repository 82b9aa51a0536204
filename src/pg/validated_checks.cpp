// See validated_checks.hpp and src/sql/05_validated_checks.sql.
#include "validated_checks.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace student_etl::pg {

void trust_validated_checks(BulkWriter* writer)
{
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "student_etl: SPI_connect failed");
    if (SPI_execute("SELECT conname::text, conbin FROM student_etl.validated_checks", true, 0) != SPI_OK_SELECT)
        elog(ERROR, "student_etl: could not read student_etl.validated_checks");
    const int n = static_cast<int>(SPI_processed);
    auto** names = static_cast<const char**>(palloc(sizeof(char*) * (n + 1)));
    auto** exprs = static_cast<const char**>(palloc(sizeof(char*) * (n + 1)));
    for (int i = 0; i < n; ++i) {
        names[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
        exprs[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
    }
    // The strings live in SPI's memory: use them before SPI_finish() frees it.
    bulk_writer_trust_checks(writer, n, names, exprs);
    SPI_finish();
}

}  // namespace student_etl::pg
