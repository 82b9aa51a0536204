// One data field against its column's domain (student.txt): a whole number in range, yes/no,
// or one of the column's codes. Pure C++.
#pragma once

#include <cstddef>

#include "delivery_parser.hpp"
#include "missing_values.hpp"

namespace student_etl {

// Converts field s[0..n) of kColumns[slot] into row.value[slot]. When it is not valid, says
// why in `problems`, the reject of its record in the making: appends a clause to its reason
// ("column "age": 23 is out of range 15..22", after a "; " if reason already holds one) and
// the same problem to its issues. Never throws anything but std::bad_alloc.
// A missing field (missing_values.hpp) follows the column's policy: rejected (rule
// empty_value for an empty field, missing_value for a marker), kept as NULL (its bits set in
// row.missing and row.nulls) or replaced by the default (its bit set in row.missing).
void convert_field(int slot, const unsigned char* s, std::size_t n, bool ascii_only, const MissingPolicy& policy,
                   ParsedRow& row, RejectedRow& problems);

// The domain check alone, without the missing-value policy: an empty field is an empty_value
// problem. For checking a policy's default value.
void convert_value(int slot, const unsigned char* s, std::size_t n, bool ascii_only, ParsedRow& row,
                   RejectedRow& problems);

}  // namespace student_etl
