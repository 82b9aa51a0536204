// The extension's GUCs (student_etl.*), defined in module.cpp.
#pragma once

namespace student_etl::pg {

// Comma-separated absolute directories that load() may read from; empty refuses every path.
extern char* allowed_dirs;
// Rows per table_multi_insert() batch.
extern int insert_batch_rows;

}  // namespace student_etl::pg
