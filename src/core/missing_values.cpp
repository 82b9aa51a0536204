// See missing_values.hpp.
#include "missing_values.hpp"

#include <utility>

#include "delivery_parser.hpp"
#include "field_values.hpp"

namespace student_etl {

namespace {

// student.txt: "382 students belong to both datasets. These students can be identified by
// searching for identical attributes that characterize each student" -- these 13 -- and the
// final grade, the target of every analysis.
constexpr std::string_view kRequired[] = {"school", "sex", "age", "address", "famsize", "pstatus", "medu",
                                          "fedu", "mjob", "fjob", "reason", "nursery", "internet", "g3"};

constexpr unsigned char ascii_lower(unsigned char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

constexpr unsigned char ascii_upper(unsigned char c) noexcept
{
    return (c >= 'a' && c <= 'z') ? static_cast<unsigned char>(c - 'a' + 'A') : c;
}

bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t';
}

}  // namespace

const char* missing_action_name(MissingAction action) noexcept
{
    switch (action) {
    case MissingAction::Reject: return "reject";
    case MissingAction::KeepNull: return "keep_null";
    case MissingAction::UseDefault: return "default";
    }
    return "reject";   // not reached (-Wswitch)
}

std::optional<MissingAction> parse_missing_action(std::string_view name) noexcept
{
    for (MissingAction a : {MissingAction::Reject, MissingAction::KeepNull, MissingAction::UseDefault})
        if (name == missing_action_name(a))
            return a;
    return std::nullopt;
}

bool column_required(int slot) noexcept
{
    static const std::uint64_t required = [] {
        std::uint64_t bits = 0;
        for (std::string_view name : kRequired)
            bits |= std::uint64_t{1} << *find_column(name);
        return bits;
    }();
    return (required >> slot) & 1U;
}

std::vector<std::string> parse_marker_list(std::string_view list)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t comma = list.find(',', start);
        if (comma == std::string_view::npos)
            comma = list.size();
        std::string_view item = list.substr(start, comma - start);
        while (!item.empty() && is_space(item.front()))
            item.remove_prefix(1);
        while (!item.empty() && is_space(item.back()))
            item.remove_suffix(1);
        if (!item.empty())
            out.emplace_back(item);
        start = comma + 1;
    }
    return out;
}

MissingPolicy::MissingPolicy()
{
    for (int c = 0; c < kColumnCount; ++c)
        action_[static_cast<std::size_t>(c)] = column_required(c) ? MissingAction::Reject : MissingAction::KeepNull;
    set_markers(parse_marker_list(kDefaultMissingMarkers));
}

std::string MissingPolicy::set(int slot, MissingAction action, std::string_view default_text)
{
    const ColumnSpec& column = kColumns[static_cast<std::size_t>(slot)];
    if (action == MissingAction::KeepNull && column_required(slot))
        return "column \"" + std::string(column.header) +
               "\" identifies a student or is the final grade: a missing value is rejected or replaced by a default, never kept as NULL";
    std::int16_t value = 0;
    if (action == MissingAction::UseDefault) {
        ParsedRow row{};
        RejectedRow problems;
        convert_value(slot, reinterpret_cast<const unsigned char*>(default_text.data()), default_text.size(), false,
                      row, problems);
        if (!problems.issues.empty())
            return "default value: " + problems.reason;
        value = row.value[slot];
    }
    action_[static_cast<std::size_t>(slot)] = action;
    default_[static_cast<std::size_t>(slot)] = value;
    return {};
}

void MissingPolicy::set_markers(std::vector<std::string> markers)
{
    markers_ = std::move(markers);
    marker_lengths_ = 0;
    first_bytes_.fill(0);
    last_bytes_.fill(0);
    for (const std::string& m : markers_) {
        if (m.empty() || m.size() >= 64)
            continue;
        marker_lengths_ |= std::uint64_t{1} << m.size();
        const auto first = static_cast<unsigned char>(m.front());
        for (unsigned char c : {ascii_lower(first), ascii_upper(first)})
            first_bytes_[c / 64] |= std::uint64_t{1} << (c % 64);
        const auto last = static_cast<unsigned char>(m.back());
        for (unsigned char c : {ascii_lower(last), ascii_upper(last)})
            last_bytes_[c / 64] |= std::uint64_t{1} << (c % 64);
    }
}

bool MissingPolicy::matches_marker(const unsigned char* s, std::size_t n) const noexcept
{
    for (const std::string& m : markers_) {
        if (m.size() != n)
            continue;
        std::size_t i = 0;
        while (i < n && ascii_lower(s[i]) == ascii_lower(static_cast<unsigned char>(m[i])))
            ++i;
        if (i == n)
            return true;
    }
    return false;
}

}  // namespace student_etl
