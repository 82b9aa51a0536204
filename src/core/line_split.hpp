// Splitting one line of plain fields -- the loader's common case -- without libcsv, exactly as
// libcsv would split it (delivery_parser.cpp; test_plain_line_split.cpp and the fuzzer compare
// the two). Plain: each field unquoted, or wholly quoted with no quote inside, blanks (space,
// tab) around it allowed. Pure C++.
#pragma once

#include <cstddef>

#include "schema.hpp"

namespace student_etl {

struct FieldSpan {
    const unsigned char* data;
    std::size_t len;
};

// Room for one field more than a record has, so that a line with too many is still split.
constexpr std::size_t kMaxSplitFields = kColumnCount + 1;

// Splits line p[0..n) (without its line end) at `delim` into fields[0..*count): the field
// texts, unquoted and without the blanks around them. False when the line is not plain (or
// has more than kMaxSplitFields fields): libcsv must read it.
bool split_plain_line(const unsigned char* p, std::size_t n, unsigned char delim, FieldSpan* fields,
                      std::size_t* count) noexcept;

}  // namespace student_etl
