// See delivery_quality.hpp.
#include "delivery_quality.hpp"

#include "delivery_parser.hpp"

namespace student_etl {

namespace {

int column_index(const char* name) noexcept
{
    return *find_column(name);   // a dictionary name: always found
}

constexpr std::size_t kInitialSlots = 1024;

// A 64-bit finaliser (xor-shift-multiply): spreads every input bit over the whole word.
constexpr std::uint64_t mix(std::uint64_t h) noexcept
{
    h ^= h >> 31;
    h *= 0x7fb5d329728ea185ULL;
    h ^= h >> 27;
    h *= 0x81dadef4bc2dd44dULL;
    h ^= h >> 33;
    return h;
}

}  // namespace

bool likely_dropout(const ParsedRow& row) noexcept
{
    static const int g3 = column_index("g3");
    static const int absences = column_index("absences");
    return !is_null(row, g3) && !is_null(row, absences) && row.value[g3] == 0 && row.value[absences] == 0;
}

std::uint64_t record_hash(const ParsedRow& row) noexcept
{
    // Four values per word, one multiply per word (it runs for every record on the parse
    // thread), the full mix at the end. A NULL's value is 0 by construction (convert_field), and
    // the NULLs themselves are hashed too.
    std::uint64_t h = 0x6a09e667f3bcc908ULL ^ row.nulls;
    std::uint64_t word = 0;
    for (int c = 0; c < kColumnCount; ++c) {
        word = (word << 16) | static_cast<std::uint16_t>(row.value[c]);
        if (c % 4 == 3 || c == kColumnCount - 1) {
            h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
            h ^= h >> 29;
            word = 0;
        }
    }
    h = mix(h);
    return h == 0 ? 1 : h;
}

DeliveryQuality::DeliveryQuality(std::size_t max_distinct_records) : max_distinct_(max_distinct_records) {}

// Looks the hash up; remembers it when new (while there is room). True when it was there.
bool DeliveryQuality::seen_before(std::uint64_t hash)
{
    if (slots_.empty()) {
        if (max_distinct_ == 0) {
            complete_ = false;
            return false;
        }
        slots_.assign(kInitialSlots, 0);
    }
    std::size_t mask = slots_.size() - 1;
    std::size_t i = static_cast<std::size_t>(hash) & mask;
    while (slots_[i] != 0) {
        if (slots_[i] == hash)
            return true;
        i = (i + 1) & mask;
    }
    if (distinct_ >= max_distinct_) {
        complete_ = false;
        return false;
    }
    slots_[i] = hash;
    ++distinct_;
    if (2 * distinct_ > slots_.size()) {   // at most half full: short probes
        std::vector<std::uint64_t> grown(2 * slots_.size(), 0);
        mask = grown.size() - 1;
        for (std::uint64_t h : slots_) {
            if (h == 0)
                continue;
            std::size_t j = static_cast<std::size_t>(h) & mask;
            while (grown[j] != 0)
                j = (j + 1) & mask;
            grown[j] = h;
        }
        slots_.swap(grown);
    }
    return false;
}

void DeliveryQuality::add_row(const ParsedRow& row)
{
    if (row.missing != 0) {
        ++rows_with_missing_;
        for (int c = 0; c < kColumnCount; ++c) {
            if (((row.missing >> c) & 1U) == 0)
                continue;
            if (is_null(row, c))
                ++missing_[static_cast<std::size_t>(c)].kept_null;
            else
                ++missing_[static_cast<std::size_t>(c)].defaulted;
        }
    }
    if (likely_dropout(row))
        ++dropouts_;
    if (seen_before(record_hash(row)))
        ++duplicates_;
}

void DeliveryQuality::add_reject(const RejectedRow& reject) noexcept
{
    for (const RejectIssue& issue : reject.issues)
        if (issue.column >= 0 && (issue.rule == RejectRule::EmptyValue || issue.rule == RejectRule::MissingValue))
            ++missing_[static_cast<std::size_t>(issue.column)].rejected;
}

}  // namespace student_etl
