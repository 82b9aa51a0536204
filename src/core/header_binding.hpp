// The header record of a delivery: finding its end and delimiter before libcsv can be set
// up (HeaderScanner), then binding its names to the data dictionary's columns
// (HeaderBinding). Pure C++; problems throw DeliveryError.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "delivery_parser.hpp"

namespace student_etl {

// "line N: ", the prefix of messages about one line.
std::string at_line(std::uint64_t line);

class HeaderScanner {
public:
    // Follows libcsv's quoting rules over the header before the delimiter is known, taking
    // both ';' and ',' as field boundaries. Counts the delimiters outside quotes; returns
    // true at the line end that ends the header. Anything it calls bad quoting, libcsv
    // would too, whichever delimiter is chosen; and, as for data records, a quote still open
    // at the line end fails the file (the header stays strict) instead of reading on.
    bool scan(unsigned char c, std::uint64_t header_line);
    // ';' or ',' -- the one that gives 33 columns, else the more frequent one.
    char choose_delimiter(std::uint64_t header_line) const;

private:
    enum class State : std::uint8_t { FieldStart, Unquoted, Quoted, QuoteSeen, AfterQuote };
    State state_ = State::FieldStart;
    std::size_t semicolons_ = 0, commas_ = 0;
};

class HeaderBinding {
public:
    // The next header field (as libcsv delivered it).
    void add(const unsigned char* s, std::size_t n, bool ascii_only);
    // Throws DeliveryError naming unknown, duplicate and missing columns.
    void check() const;
    // kColumns index of the field at file position `index` (< kColumnCount), once check() passed.
    int slot(std::size_t index) const noexcept { return slot_of_[index]; }

private:
    std::size_t fields_ = 0;
    std::array<bool, kColumnCount> seen_{};
    std::array<std::uint8_t, kColumnCount> slot_of_{};   // file position -> kColumns index
    std::string unknown_names_, duplicate_names_;
    std::size_t unknown_count_ = 0, duplicate_count_ = 0;
};

}  // namespace student_etl
