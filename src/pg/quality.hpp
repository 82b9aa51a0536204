// Missing values and delivery quality on the PostgreSQL side (issue 13, items 3 and 4): the
// load's parser options with the missing-value policy of this database, and the quality
// tables a load writes. The measuring itself is pure C++ (missing_values.hpp,
// delivery_quality.hpp), done on the parse thread. PostgreSQL-side code: plain data in its
// frames, C++ only through run_cpp() and make_owned_by() (guard.hpp).
#pragma once

extern "C" {
#include "postgres.h"
}

#include "background_parser.hpp"
#include "bulk_writer.hpp"

namespace student_etl::pg {

// Parser options for a load, owned by `owner`: the policy of student_etl.missing_value_policy
// (a row set with set_missing_value_policy() over the shipped one) and the markers of
// student_etl.missing_value_markers. Raises on a policy the parser cannot apply.
ParserOptions* build_parser_options(MemoryContext owner);

// student_etl.missing_values: one row per missing value of a loaded record.
BulkWriter* open_missing_values_writer();
void write_missing_values(const ParsedRow& row, BulkWriter* writer, int64 run_id);

// student_etl.run_quality (one row) and student_etl.run_missing_values (one row per column
// with a missing value), once the parse is done.
void write_run_quality(const DeliveryQuality& quality, int64 run_id);

}  // namespace student_etl::pg
