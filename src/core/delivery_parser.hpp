// Streaming parser + validator for one delivery file.
//
// Bytes go in through feed() in chunks of any size (the caller reads the file); completed
// records come out as typed rows or as rejects with a reason. Memory is bounded by the
// options below, whatever the file size: the caller drains rows()/rejects() after each
// feed() and calls clear_output(). A chunk of short bad lines makes far more output than
// input (a reject per line, with its strings): feed_until() stops once the output reaches a
// given size, so that the caller can drain it before parsing the rest of the chunk.
//
// Pure C++ (libcsv underneath), no PostgreSQL headers. File-level problems (not a
// delivery at all) throw DeliveryError; row-level problems never throw, they become rejects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "delivery_quality.hpp"   // DeliveryQuality, part of this interface
#include "missing_values.hpp"     // MissingPolicy, part of this interface
#include "printable.hpp"      // printable(), part of this interface
#include "reject_issue.hpp"   // RejectIssue, RejectRule, part of this interface
#include "schema.hpp"

namespace student_etl {

// A file that cannot be a delivery: empty, binary, bad header (a quote left open in it too), ...
// what() is a complete, user-facing sentence fragment such as
// "header: missing required column \"G3\"" or "line 1: no delimiter found".
class DeliveryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ParsedRow {
    std::uint64_t line;                  // physical line where the record starts (header is line 1)
    std::int16_t value[kColumnCount];    // in kColumns order. Int: the value; YesNo: 1/0;
                                         // Code: index into that column's codes
    std::uint64_t missing;               // bit c: column c was delivered missing (kept as NULL or
                                         // replaced by its default; missing_values.hpp)
    std::uint64_t nulls;                 // bit c: column c is NULL (value[c] is 0 and means nothing)
};
static_assert(kColumnCount <= 64, "one bit per column in ParsedRow::missing");

// Is column c of the row NULL (missing and kept as NULL)?
inline bool is_null(const ParsedRow& row, int c) noexcept
{
    return (row.nulls >> c) & 1U;
}

struct RejectedRow {
    std::uint64_t line;   // physical line where the record starts
    std::string reason;   // names the column(s) and value(s); see README "Rejected rows"
    std::string raw;      // the record's bytes without its line end, made printable and capped
    std::vector<RejectIssue> issues;   // one per problem, in the order reason names them; a
                                       // problem of the whole record is the only issue
};

struct ParserOptions {
    std::size_t max_field_bytes = 4096;       // a longer field rejects its record
    std::size_t max_record_bytes = 1 << 20;   // a longer record is rejected without being buffered
    std::size_t max_raw_bytes = 8192;         // RejectedRow::raw is cut here (and says so)
    bool ascii_only_raw = false;              // escape every non-ASCII byte in raw/reason
                                              // (for databases whose encoding is not UTF-8)
    bool split_plain_lines = true;            // a whole line of plain fields (unquoted, or
                                              // quoted without quotes inside) is split here,
                                              // not by libcsv: the same result, several times
                                              // faster (false only to compare the two)
    MissingPolicy missing;                    // what counts as missing, and what it becomes
    std::size_t max_distinct_records = std::size_t{1} << 20;   // duplicate detection: see
                                              // DeliveryQuality (8 bytes per distinct record)
};

class DeliveryParser {
public:
    explicit DeliveryParser(const ParserOptions& options = ParserOptions{});
    ~DeliveryParser();
    DeliveryParser(const DeliveryParser&) = delete;
    DeliveryParser& operator=(const DeliveryParser&) = delete;

    // Parse the next chunk. Throws DeliveryError for file-level problems.
    void feed(const char* data, std::size_t len);
    // Like feed(), but stops early: right after the first line end at which output_bytes()
    // is output_limit or more (records only end at line ends). Always uses some bytes.
    // Returns how many it used; the caller drains the output and feeds the rest. Whatever
    // the limit, the outcome is that of feed() over the same bytes.
    std::size_t feed_until(const char* data, std::size_t len, std::size_t output_limit);
    // End of input: flushes a last record without a line end (rejected as "unbalanced quote"
    // if it ends inside quotes). Throws DeliveryError when the file had no header or no data
    // records.
    void finish();

    // Output since the last clear_output(), in file order within each list.
    std::vector<ParsedRow>& rows() noexcept;
    std::vector<RejectedRow>& rejects() noexcept;
    void clear_output() noexcept;
    // Heap bytes held by rows() and rejects() (estimated as in heap_footprint.hpp). Exact as
    // long as output is removed only by clear_output() (after moving it elsewhere, say).
    std::size_t output_bytes() const noexcept;

    // The delivery's quality so far (missing values, duplicates, rule flags): see
    // delivery_quality.hpp. Complete after finish().
    const DeliveryQuality& quality() const noexcept;

    std::uint64_t records_read() const noexcept;   // data records seen: loaded + rejected
    std::uint64_t records_rejected() const noexcept;
    char delimiter() const noexcept;               // ';' or ',' once the header is read, else 0

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace student_etl
