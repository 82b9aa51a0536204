// See field_values.hpp.
#include "field_values.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "printable.hpp"

namespace student_etl {

const std::array<std::array<std::int8_t, 256>, kColumnCount> kCodeByFirstByte = [] {
    std::array<std::array<std::int8_t, 256>, kColumnCount> table{};
    for (int slot = 0; slot < kColumnCount; ++slot) {
        auto& row = table[static_cast<std::size_t>(slot)];
        row.fill(-1);
        const ColumnSpec& column = kColumns[static_cast<std::size_t>(slot)];
        if (column.kind != Kind::Code)
            continue;
        bool distinct = true;
        for (std::uint8_t k = 0; k < column.ncodes; ++k) {
            const auto first = static_cast<unsigned char>(column.codes[k][0]);
            distinct = distinct && row[first] < 0;
            row[first] = static_cast<std::int8_t>(k);
        }
        if (!distinct)
            row.fill(-1);
    }
    return table;
}();

namespace {

constexpr unsigned char ascii_lower(unsigned char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

bool iequals(const unsigned char* s, std::size_t n, std::string_view word) noexcept
{
    if (n != word.size())
        return false;
    for (std::size_t i = 0; i < n; ++i)
        if (ascii_lower(s[i]) != ascii_lower(static_cast<unsigned char>(word[i])))
            return false;
    return true;
}

// One field of a record being converted, with the record's row and reject in the making.
struct FieldConverter {
    ParsedRow& row;
    RejectedRow& problems;
    bool ascii_only;
    int slot;                  // kColumns index
    const unsigned char* s;    // the field as libcsv delivered it
    std::size_t n;

    // The field breaks `rule`: records the issue, starts its "column "X": " clause in the
    // reason and returns the reason for the rest of the clause. The one place both are
    // written, so that issues stay in the order of the reason's clauses.
    std::string& fault(RejectRule rule)
    {
        RejectIssue issue{slot, rule, {}};
        append_printable(issue.value, s, n, ascii_only, kIssueValueBytes);
        problems.issues.push_back(std::move(issue));
        std::string& reason = problems.reason;
        if (!reason.empty())
            reason += "; ";
        reason += "column \"";
        reason += kColumns[slot].header;
        reason += "\": ";
        return reason;
    }

    void convert_int(const ColumnSpec& column)
    {
        std::uint64_t value = 0;
        bool huge = false;   // past 32 bits: quoted as text rather than printed as a number
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned digit = static_cast<unsigned>(s[i]) - '0';
            if (digit > 9) {
                std::string& r = fault(RejectRule::NotAWholeNumber);
                append_quoted(r, s, n, ascii_only);
                r += " is not a whole number";
                return;
            }
            if (!huge) {
                value = value * 10 + digit;
                huge = value > std::numeric_limits<std::uint32_t>::max();
            }
        }
        const auto v = static_cast<std::int64_t>(value);
        if (huge || v < column.min || v > column.max) {
            std::string& r = fault(RejectRule::OutOfRange);
            if (huge)
                append_quoted(r, s, n, ascii_only);
            else
                r += std::to_string(v);
            r += " is out of range " + std::to_string(column.min) + ".." + std::to_string(column.max);
            return;
        }
        row.value[slot] = static_cast<std::int16_t>(v);
    }

    // The dictionary's own spellings rarely get here: convert_plain took them.
    void convert_yes_no()
    {
        if (iequals(s, n, "yes")) {
            row.value[slot] = 1;
        } else if (iequals(s, n, "no")) {
            row.value[slot] = 0;
        } else {
            std::string& r = fault(RejectRule::NotYesOrNo);
            append_quoted(r, s, n, ascii_only);
            r += " is not yes or no";
        }
    }

    void convert_code(const ColumnSpec& column)
    {
        for (std::uint8_t k = 0; k < column.ncodes; ++k) {
            if (iequals(s, n, column.codes[k])) {
                row.value[slot] = k;
                return;
            }
        }
        std::string& r = fault(RejectRule::UnknownCode);
        append_quoted(r, s, n, ascii_only);
        r += " is not one of ";
        for (std::uint8_t k = 0; k < column.ncodes; ++k) {
            if (k != 0)
                r += ", ";
            r += column.codes[k];
        }
    }
};

// The field against its column's domain.
inline bool likely_present(const MissingPolicy& policy, const unsigned char* s, std::size_t n) noexcept
{
    return __builtin_expect(!policy.is_missing(s, n), 1);
}

[[gnu::always_inline]] inline void convert_present(int slot, const unsigned char* s, std::size_t n, bool ascii_only, ParsedRow& row,
                            RejectedRow& problems)
{
    FieldConverter field{row, problems, ascii_only, slot, s, n};
    const ColumnSpec& column = kColumns[slot];
    if (n == 0) {
        field.fault(RejectRule::EmptyValue) += "empty value";
        return;
    }
    switch (column.kind) {
    case Kind::Int: field.convert_int(column); break;
    case Kind::YesNo: field.convert_yes_no(); break;
    case Kind::Code: field.convert_code(column); break;
    }
}

}  // namespace

void convert_value(int slot, const unsigned char* s, std::size_t n, bool ascii_only, ParsedRow& row,
                   RejectedRow& problems)
{
    convert_present(slot, s, n, ascii_only, row, problems);
}

void convert_field_in_full(int slot, const unsigned char* s, std::size_t n, bool ascii_only,
                           const MissingPolicy& policy, ParsedRow& row, RejectedRow& problems)
{
    if (likely_present(policy, s, n)) {
        convert_present(slot, s, n, ascii_only, row, problems);
        return;
    }
    const std::uint64_t bit = std::uint64_t{1} << slot;
    switch (policy.action(slot)) {
    case MissingAction::Reject:
        if (n == 0) {
            convert_present(slot, s, n, ascii_only, row, problems);   // "empty value", as always
        } else {
            FieldConverter field{row, problems, ascii_only, slot, s, n};
            std::string& r = field.fault(RejectRule::MissingValue);
            r += "missing value ";
            append_quoted(r, s, n, ascii_only);
        }
        return;
    case MissingAction::KeepNull:
        row.value[slot] = 0;
        row.missing |= bit;
        row.nulls |= bit;
        return;
    case MissingAction::UseDefault:
        row.value[slot] = policy.default_value(slot);
        row.missing |= bit;
        return;
    }
}

}  // namespace student_etl
