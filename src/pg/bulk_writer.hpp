// Batched inserts into one table through PostgreSQL's bulk path: tuples are buffered in
// slots and written with table_multi_insert() and one BulkInsertState, as COPY FROM does.
// Constraints (CHECK, NOT NULL), stored generated columns, column defaults and every index
// are maintained; tables with row triggers, row-level security or partitions are refused
// rather than written behind their backs, and so is a column whose type, typmod or NOT NULL
// no longer matches what the caller writes (a DBA's ALTER TABLE): an ERROR naming the
// column, never a tuple built for another layout. PostgreSQL-side code: plain C structs only.
#pragma once

extern "C" {
#include "postgres.h"
#include "catalog/pg_type_d.h"
#include "utils/memutils.h"
}

namespace student_etl::pg {

struct BulkWriter;

// A value the caller supplies: the column it goes to and what it is.
struct TargetColumn {
    const char* name;
    Oid type;
    int32 typmod;       // -1 for none
    bool may_be_null;   // the caller may pass NULL here
    bool constant;      // the caller passes the same value in every row (e.g. the run id)
};

// The common kinds of supplied column, never NULL.
constexpr TargetColumn int8_column(const char* name) { return TargetColumn{name, INT8OID, -1, false, false}; }
constexpr TargetColumn text_column(const char* name) { return TargetColumn{name, TEXTOID, -1, false, false}; }

// Batch size of the writers of what is few per load (rejects, their issues, facet cells,
// quality rows): small batches, small memory.
constexpr int kSmallBatchRows = 100;

// Opens student_etl.<table> for insert, checking INSERT privilege. `columns` describes the
// values the caller supplies, in the order of the values/nulls arrays given to add();
// every other column gets its default (or NULL).
BulkWriter* bulk_writer_open(const char* table, const TargetColumn* columns, int ncolumns, int batch_rows);

// Memory that lives until the batch holding the next added row is written: by-reference
// values passed to bulk_writer_add() may be allocated here.
MemoryContext bulk_writer_batch_memory(BulkWriter* writer);

// Declares CHECK constraints the caller has already enforced on every row it will add, by
// name and stored expression (pg_constraint.conbin as text). When every CHECK of the table is
// among them, rows are checked for NOT NULL only; otherwise every CHECK is evaluated as usual.
void bulk_writer_trust_checks(BulkWriter* writer, int n, const char* const* names, const char* const* exprs);

// Buffers one row (checking constraints now); writes the batch when it is full.
void bulk_writer_add(BulkWriter* writer, const Datum* values, const bool* nulls);

Oid bulk_writer_relid(const BulkWriter* writer);
uint64 bulk_writer_rows(const BulkWriter* writer);

// Writes what is buffered and releases the table (its lock is held to end of transaction).
void bulk_writer_close(BulkWriter* writer);

}  // namespace student_etl::pg
