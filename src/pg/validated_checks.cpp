// See validated_checks.hpp and src/sql/05_validated_checks.sql.
#include "validated_checks.hpp"

#include "spi.hpp"

namespace student_etl::pg {

namespace {

struct Checks {
    BulkWriter* writer;
};

void trust_checks_read(void* arg)
{
    // The strings live in SPI's memory: hand them over before SPI_finish() frees it.
    const int n = static_cast<int>(SPI_processed);
    auto** names = static_cast<const char**>(palloc(sizeof(char*) * (n + 1)));
    auto** exprs = static_cast<const char**>(palloc(sizeof(char*) * (n + 1)));
    for (int i = 0; i < n; ++i) {
        names[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
        exprs[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
    }
    bulk_writer_trust_checks(static_cast<Checks*>(arg)->writer, n, names, exprs);
}

}  // namespace

void trust_validated_checks(BulkWriter* writer)
{
    Checks checks{writer};
    run_sql("SELECT conname::text, conbin FROM student_etl.validated_checks", kNoArgs, SPI_OK_SELECT,
            trust_checks_read, &checks);
}

}  // namespace student_etl::pg
