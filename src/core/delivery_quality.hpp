// The quality of one delivery, measured while it streams (issue 13, item 4): missing values
// per column, records that repeat an earlier record of the same delivery, and rule flags. The
// parser feeds it every record on its own thread, so it costs the backend nothing; the
// backend reads it once the parse is done and writes run_quality and run_missing_values.
//
// Duplicates. Two loaded records are duplicates when all 33 values agree (as stored: codes and
// yes/no normalised, a missing value kept as NULL equal only to another NULL); line numbers do
// not count. Each distinct record is remembered as a 64-bit hash (with at most 2^20 records
// remembered, two of them collide -- a false duplicate -- with a chance of about 3 in 10^8),
// in an open-addressing table kept at most half full: up to 2 * max_distinct_records slots,
// rounded up to a power of two, of 8 bytes each (16 MiB with the default of 2^20, and the old
// array beside the new one while it grows). Past max_distinct_records distinct records, new
// ones are no longer remembered: later repeats of them are not counted, and
// duplicates_complete() says so.
//
// Rule flags. Likely dropout: G3 = 0 with absences = 0 (both present; student.txt's final
// grade 0 with no absence at all is a student who left, not one who failed).
// Pure C++.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "schema.hpp"

namespace student_etl {

struct ParsedRow;
struct RejectedRow;

// A missing value's fate, per column.
struct ColumnMissing {
    std::uint64_t kept_null = 0;   // in loaded records, stored as NULL
    std::uint64_t defaulted = 0;   // in loaded records, replaced by the column's default
    std::uint64_t rejected = 0;    // in rejected records (rules empty_value, missing_value)
};

// G3 = 0 and absences = 0, both present (not NULL).
bool likely_dropout(const ParsedRow& row) noexcept;

// The record's 33 values and NULLs, hashed to 64 bits (never 0). Lines are not hashed.
std::uint64_t record_hash(const ParsedRow& row) noexcept;

class DeliveryQuality {
public:
    explicit DeliveryQuality(std::size_t max_distinct_records = std::size_t{1} << 20);

    // A loaded record. Throws std::bad_alloc only.
    void add_row(const ParsedRow& row);
    // A rejected record: counts its missing fields.
    void add_reject(const RejectedRow& reject) noexcept;

    const std::array<ColumnMissing, kColumnCount>& missing() const noexcept { return missing_; }
    std::uint64_t rows_with_missing() const noexcept { return rows_with_missing_; }   // loaded
    std::uint64_t duplicate_records() const noexcept { return duplicates_; }
    std::uint64_t distinct_records() const noexcept { return distinct_; }
    bool duplicates_complete() const noexcept { return complete_; }
    std::uint64_t likely_dropouts() const noexcept { return dropouts_; }

private:
    bool seen_before(std::uint64_t hash);

    std::array<ColumnMissing, kColumnCount> missing_{};
    std::uint64_t rows_with_missing_ = 0;
    std::uint64_t duplicates_ = 0;
    std::uint64_t distinct_ = 0;
    std::uint64_t dropouts_ = 0;
    bool complete_ = true;
    std::size_t max_distinct_;
    std::vector<std::uint64_t> slots_;   // 0 = empty; size a power of two
};

}  // namespace student_etl
