// See delivery_quality.hpp.
#include "delivery_quality.hpp"

#include "delivery_parser.hpp"

#include <cstring>

namespace student_etl {

namespace {

int column_index(const char* name) noexcept
{
    return *find_column(name);   // a dictionary name: always found
}

constexpr std::size_t kInitialSlots = 1024;

constexpr std::uint64_t rotl(std::uint64_t x, int r) noexcept
{
    return (x << r) | (x >> (64 - r));
}

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
    // It runs for every record on the parse thread, so: the 33 values read as nine words
    // (four values each, the last with the NULL bits; a NULL's value is 0 by construction in
    // convert_field), three independent multiply-xorshift lanes of three words each so that
    // the multiplies overlap, and the full mix once at the end.
    static_assert(kColumnCount == 33, "eight words of four values, then the last value");
    std::uint64_t w[9];
    std::memcpy(w, row.value, 8 * sizeof(std::uint64_t));
    w[8] = static_cast<std::uint16_t>(row.value[32]) | (row.nulls << 16);
    std::uint64_t lane[3] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL};
    for (int i = 0; i < 9; i += 3) {
        for (int k = 0; k < 3; ++k) {
            lane[k] = (lane[k] ^ w[i + k]) * 0x9e3779b97f4a7c15ULL;
            lane[k] ^= lane[k] >> 29;
        }
    }
    const std::uint64_t h = mix(lane[0] ^ rotl(lane[1], 21) ^ rotl(lane[2], 42));
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
