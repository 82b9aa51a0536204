// Tells a bulk writer into student_performance_history which CHECK constraints the loader's own
// validation already guarantees (the snapshot in student_etl.validated_checks).
#pragma once

#include "bulk_writer.hpp"

namespace student_etl::pg {

void trust_validated_checks(BulkWriter* writer);

}  // namespace student_etl::pg
