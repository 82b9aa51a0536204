// The structured form of a reject: one RejectIssue per problem, beside the reason text.
//
// Why both: the reason text ("column "age": 23 is out of range 15..22; column "sex": empty
// value") is for people, and it quotes delivered values and joins its clauses with "; ". SQL
// that splits it shows those values to whoever reads the split form and breaks as soon as a
// value holds "; " itself. An issue keeps the column, the rule broken and the value apart, so
// the database can show rules and columns without values, and values only to those allowed.
// Pure C++.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace student_etl {

// What a record broke. The first six concern one field, the others the whole record.
enum class RejectRule : std::uint8_t {
    EmptyValue,        // column "age": empty value
    NotAWholeNumber,   // column "G1": "7.5" is not a whole number
    OutOfRange,        // column "age": 23 is out of range 15..22
    NotYesOrNo,        // column "schoolsup": "maybe" is not yes or no
    UnknownCode,       // column "school": "XX" is not one of GP, MS
    MissingValue,      // column "school": missing value "NA" (a marker of missing_values.hpp
                       // in a column whose policy rejects; an empty field stays EmptyValue)
    WrongFieldCount,   // expected 33 fields, found N
    FieldTooLong,      // field longer than N bytes (the field's column is not always known)
    RecordTooLong,     // record longer than N bytes
    MalformedQuoting,  // malformed quoting
    UnbalancedQuote,   // unbalanced quote (still open at the end of the line)
};

// The rule's snake_case name ("out_of_range"). Stored as SQL data: a name never changes.
const char* reject_rule_name(RejectRule rule) noexcept;

// RejectIssue::value holds at most this many bytes of printable text. Longer values are cut
// without a mark, never inside an escape or a UTF-8 sequence (RejectedRow::raw has more).
constexpr std::size_t kIssueValueBytes = 256;

struct RejectIssue {
    int column;          // index into kColumns (dictionary order; kColumns[column].header is
                         // the spelling), or -1 for a problem of the whole record
    RejectRule rule;
    std::string value;   // the offending field as delivered, made printable exactly like the
                         // value quoted in the reason (same escaping, ascii_only_raw honoured),
                         // cut at kIssueValueBytes; empty when column is -1
};

}  // namespace student_etl
