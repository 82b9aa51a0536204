// Turns parsed rows into student_etl.student_performance_history rows: the 33 attributes, the
// subject, the derived columns and the lineage columns. Every by-reference value (the code
// texts, the 61 possible mean grades, the subject) is built once per load, so a row costs
// no allocation at all.
#pragma once

extern "C" {
#include "postgres.h"
}

#include "bulk_writer.hpp"
#include "delivery_parser.hpp"

namespace student_etl::pg {

// Column order of the values produced by fill_student_row().
extern const TargetColumn kStudentColumns[];
extern const int kStudentColumnCount;

struct StudentDatums;

StudentDatums* build_student_datums(const char* subject, int64 run_id);

// values and nulls: kStudentColumnCount entries each.
void fill_student_row(const StudentDatums* datums, const ParsedRow& row, Datum* values, bool* nulls);

}  // namespace student_etl::pg
