// See field_values.hpp.
#include "field_values.hpp"

#include <cstdint>
#include <limits>
#include <string_view>

#include "printable.hpp"

namespace student_etl {

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

// The record's row and reason while one field is converted.
struct FieldConverter {
    ParsedRow& row;
    std::string& reason;
    bool ascii_only;

    // Starts a "column "X": " clause in the record's reason and returns it for the rest.
    std::string& column_reason(const ColumnSpec& column)
    {
        if (!reason.empty())
            reason += "; ";
        reason += "column \"";
        reason += column.header;
        reason += "\": ";
        return reason;
    }

    void convert_int(const ColumnSpec& column, int slot, const unsigned char* s, std::size_t n)
    {
        std::uint64_t value = 0;
        bool huge = false;   // past 32 bits: quoted as text rather than printed as a number
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned digit = static_cast<unsigned>(s[i]) - '0';
            if (digit > 9) {
                std::string& r = column_reason(column);
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
            std::string& r = column_reason(column);
            if (huge)
                append_quoted(r, s, n, ascii_only);
            else
                r += std::to_string(v);
            r += " is out of range " + std::to_string(column.min) + ".." + std::to_string(column.max);
            return;
        }
        row.value[slot] = static_cast<std::int16_t>(v);
    }

    void convert_yes_no(const ColumnSpec& column, int slot, const unsigned char* s, std::size_t n)
    {
        if (iequals(s, n, "yes")) {
            row.value[slot] = 1;
        } else if (iequals(s, n, "no")) {
            row.value[slot] = 0;
        } else {
            std::string& r = column_reason(column);
            append_quoted(r, s, n, ascii_only);
            r += " is not yes or no";
        }
    }

    void convert_code(const ColumnSpec& column, int slot, const unsigned char* s, std::size_t n)
    {
        for (std::uint8_t k = 0; k < column.ncodes; ++k) {
            if (iequals(s, n, column.codes[k])) {
                row.value[slot] = k;
                return;
            }
        }
        std::string& r = column_reason(column);
        append_quoted(r, s, n, ascii_only);
        r += " is not one of ";
        for (std::uint8_t k = 0; k < column.ncodes; ++k) {
            if (k != 0)
                r += ", ";
            r += column.codes[k];
        }
    }
};

}  // namespace

void convert_field(int slot, const unsigned char* s, std::size_t n, bool ascii_only, ParsedRow& row,
                   std::string& reason)
{
    FieldConverter field{row, reason, ascii_only};
    const ColumnSpec& column = kColumns[slot];
    if (n == 0) {
        field.column_reason(column) += "empty value";
        return;
    }
    switch (column.kind) {
    case Kind::Int: field.convert_int(column, slot, s, n); break;
    case Kind::YesNo: field.convert_yes_no(column, slot, s, n); break;
    case Kind::Code: field.convert_code(column, slot, s, n); break;
    }
}

}  // namespace student_etl
