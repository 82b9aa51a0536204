// One data field against its column's domain (student.txt): a whole number in range, yes/no,
// or one of the column's codes. Pure C++.
#pragma once

#include <cstddef>
#include <string>

#include "delivery_parser.hpp"

namespace student_etl {

// Converts field s[0..n) of kColumns[slot] into row.value[slot]; when it is not valid, appends
// a clause saying why ("column "age": 23 is out of range 15..22") to reason, after a "; "
// if reason already holds one. Never throws anything but std::bad_alloc.
void convert_field(int slot, const unsigned char* s, std::size_t n, bool ascii_only, ParsedRow& row,
                   std::string& reason);

}  // namespace student_etl
