// Missing values: which field texts count as missing, and what a delivery's missing value
// becomes, column by column -- the record is rejected, the value is kept as NULL, or a default
// value stands in (issue 13, item 3).
//
// Shipped policy: a record missing one of the 13 attributes that identify a student across
// courses (student.txt: school, sex, age, address, famsize, Pstatus, Medu, Fedu, Mjob, Fjob,
// reason, nursery, internet) or its final grade G3 is rejected; any other missing value is
// kept as NULL and counted as a quality issue. Those 14 columns can never be kept as NULL
// (the fact table holds them NOT NULL): reject or a default only.
//
// Missing means: an empty field (always), or one of the markers, matched whole and
// case-insensitively: NA, N/A, null, ? unless configured otherwise (markers of 64 bytes or
// more are never matched). Pure C++.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema.hpp"

namespace student_etl {

enum class MissingAction : std::uint8_t {
    Reject,      // the record is rejected (rule empty_value or missing_value)
    KeepNull,    // the record is loaded with NULL in this column
    UseDefault,  // the record is loaded with the column's default value
};

// "reject", "keep_null", "default": the names stored in student_etl.missing_value_policy.
const char* missing_action_name(MissingAction action) noexcept;
std::optional<MissingAction> parse_missing_action(std::string_view name) noexcept;

// True for the 13 identifying attributes and G3: never NULL in the fact table.
bool column_required(int slot) noexcept;

// The markers shipped as the default of student_etl.missing_value_markers.
constexpr std::string_view kDefaultMissingMarkers = "NA,N/A,null,?";

// A comma-separated marker list ("NA, N/A ,null"): split at commas, each trimmed of spaces;
// empty items are dropped (the empty field is missing anyway).
std::vector<std::string> parse_marker_list(std::string_view list);

class MissingPolicy {
public:
    // The shipped policy and markers.
    MissingPolicy();

    MissingAction action(int slot) const noexcept { return action_[static_cast<std::size_t>(slot)]; }
    // UseDefault only: the value as the parser stores it (ParsedRow::value).
    std::int16_t default_value(int slot) const noexcept { return default_[static_cast<std::size_t>(slot)]; }

    // Sets one column's action; UseDefault needs default_text, which must be a valid value of
    // the column (checked as a delivered field would be). Returns an empty string when done,
    // else why not (the policy is then unchanged).
    std::string set(int slot, MissingAction action, std::string_view default_text = {});

    void set_markers(std::vector<std::string> markers);
    const std::vector<std::string>& markers() const noexcept { return markers_; }

    // Is field s[0..n) missing: empty, or one of the markers (any case)?
    bool is_missing(const unsigned char* s, std::size_t n) const noexcept
    {
        if (n == 0)
            return true;
        if (n >= 64 || (marker_lengths_ & (std::uint64_t{1} << n)) == 0 ||
            (first_bytes_[s[0] / 64] & (std::uint64_t{1} << (s[0] % 64))) == 0 ||
            (last_bytes_[s[n - 1] / 64] & (std::uint64_t{1} << (s[n - 1] % 64))) == 0)
            return false;   // the common case: no marker has this length, first and last byte
                            // ("no" is not "NA")
        return matches_marker(s, n);
    }

private:
    bool matches_marker(const unsigned char* s, std::size_t n) const noexcept;

    std::array<MissingAction, kColumnCount> action_{};
    std::array<std::int16_t, kColumnCount> default_{};
    std::vector<std::string> markers_;
    std::uint64_t marker_lengths_ = 0;   // bit n set: some marker is n bytes long (n < 64)
    std::array<std::uint64_t, 4> first_bytes_{};   // bit c: some marker starts with byte c (any case)
    std::array<std::uint64_t, 4> last_bytes_{};    // bit c: some marker ends with byte c (any case)
};

}  // namespace student_etl
