// One data field against its column's domain (student.txt): a whole number in range, yes/no,
// or one of the column's codes. Pure C++.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "delivery_parser.hpp"
#include "missing_values.hpp"

namespace student_etl {

// convert_field() without its inline common case (convert_plain): any field, any case.
void convert_field_in_full(int slot, const unsigned char* s, std::size_t n, bool ascii_only,
                           const MissingPolicy& policy, ParsedRow& row, RejectedRow& problems);

// The domain check alone, without the missing-value policy: an empty field is an empty_value
// problem. For checking a policy's default value.
void convert_value(int slot, const unsigned char* s, std::size_t n, bool ascii_only, ParsedRow& row,
                   RejectedRow& problems);

// Per column and first byte, the index of the code spelled with that first byte (-1: none).
// The dictionary's codes of one column all differ in their first byte (checked when the table
// is built: a column where they do not gets no entries, and convert_field_in_full decides).
extern const std::array<std::array<std::int8_t, 256>, kColumnCount> kCodeByFirstByte;

// convert_field's common case, inline because it runs for every field: a field that is not
// missing, spelled as the dictionary spells it -- a number of one or two digits in range, yes
// or no, one of the column's codes in its own case. Stores it in row.value[slot] and returns
// true. Anything else returns false and is left to convert_field_in_full, which gives any
// field this accepts the same value (test_field_values.cpp compares them).
[[gnu::always_inline]] inline bool convert_plain(int slot, const unsigned char* s, std::size_t n,
                                                 const MissingPolicy& policy, ParsedRow& row) noexcept
{
    if (policy.is_missing(s, n))   // also every empty field
        return false;
    const ColumnSpec& column = kColumns[static_cast<std::size_t>(slot)];
    switch (column.kind) {
    case Kind::Int: {
        unsigned v = static_cast<unsigned>(s[0]) - '0';
        if (v > 9 || n > 2)
            return false;
        if (n == 2) {
            const unsigned d = static_cast<unsigned>(s[1]) - '0';
            if (d > 9)
                return false;
            v = v * 10 + d;
        }
        if (static_cast<int>(v) < column.min || static_cast<int>(v) > column.max)
            return false;
        row.value[slot] = static_cast<std::int16_t>(v);
        return true;
    }
    case Kind::YesNo:
        if (n == 3 && s[0] == 'y' && s[1] == 'e' && s[2] == 's') {
            row.value[slot] = 1;
            return true;
        }
        if (n == 2 && s[0] == 'n' && s[1] == 'o') {
            row.value[slot] = 0;
            return true;
        }
        return false;
    case Kind::Code: {
        // The one code the first byte allows, then a byte loop (a few bytes: no memcmp call).
        const int k = kCodeByFirstByte[static_cast<std::size_t>(slot)][s[0]];
        if (k < 0)
            return false;
        const std::string_view code = column.codes[k];
        if (code.size() != n)
            return false;
        std::size_t i = 1;
        while (i < n && s[i] == static_cast<unsigned char>(code[i]))
            ++i;
        if (i != n)
            return false;
        row.value[slot] = static_cast<std::int16_t>(k);
        return true;
    }
    }
    return false;
}

// Converts field s[0..n) of kColumns[slot] into row.value[slot]. When it is not valid, says
// why in `problems`, the reject of its record in the making: appends a clause to its reason
// ("column "age": 23 is out of range 15..22", after a "; " if reason already holds one) and
// the same problem to its issues. Never throws anything but std::bad_alloc.
// A missing field (missing_values.hpp) follows the column's policy: rejected (rule
// empty_value for an empty field, missing_value for a marker), kept as NULL (its bits set in
// row.missing and row.nulls) or replaced by the default (its bit set in row.missing).
// Inline: the common case costs no call (it runs for every field of every record).
[[gnu::always_inline]] inline void convert_field(int slot, const unsigned char* s, std::size_t n,
                                                 bool ascii_only, const MissingPolicy& policy, ParsedRow& row,
                                                 RejectedRow& problems)
{
    if (!convert_plain(slot, s, n, policy, row))
        convert_field_in_full(slot, s, n, ascii_only, policy, row, problems);
}

}  // namespace student_etl
