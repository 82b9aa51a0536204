// See reject_issue.hpp.
#include "reject_issue.hpp"

namespace student_etl {

const char* reject_rule_name(RejectRule rule) noexcept
{
    switch (rule) {
    case RejectRule::EmptyValue: return "empty_value";
    case RejectRule::NotAWholeNumber: return "not_a_whole_number";
    case RejectRule::OutOfRange: return "out_of_range";
    case RejectRule::NotYesOrNo: return "not_yes_or_no";
    case RejectRule::UnknownCode: return "unknown_code";
    case RejectRule::MissingValue: return "missing_value";
    case RejectRule::WrongFieldCount: return "wrong_field_count";
    case RejectRule::FieldTooLong: return "field_too_long";
    case RejectRule::RecordTooLong: return "record_too_long";
    case RejectRule::MalformedQuoting: return "malformed_quoting";
    case RejectRule::UnbalancedQuote: return "unbalanced_quote";
    }
    return "unknown";   // not reached: every rule is named above (-Wswitch checks it)
}

}  // namespace student_etl
