// Structured rejects: every reject carries one issue per problem -- the column (dictionary
// order, -1 for the whole record), the rule and the offending value -- in the order its
// reason names them, so that SQL never has to split the reason text.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace student_etl {
namespace {

using test::kHeader;
using test::kRecord;
using test::record_with;
using test::run_parser;

// Column positions in dictionary order.
constexpr int kSchool = 0, kSex = 1, kAge = 2, kMjob = 8, kSchoolsup = 15, kG1 = 30, kG3 = 32;

// An issue as one comparable line: "column rule value".
std::string describe(const RejectIssue& issue)
{
    return std::to_string(issue.column) + " " + reject_rule_name(issue.rule) + " " + issue.value;
}

// The issues of the single bad record in `record`, followed by a good one that must load.
std::vector<std::string> issues_for(const std::string& record, const ParserOptions& options = {})
{
    const test::Outcome out = run_parser(kHeader + "\n" + record + "\n" + kRecord + "\n", 0, options);
    EXPECT_EQ(out.error, "");
    EXPECT_EQ(out.rows.size(), 1u);
    if (out.rejects.size() != 1u) {
        ADD_FAILURE() << "expected one reject, got " << out.rejects.size();
        return {};
    }
    std::vector<std::string> described;
    for (const RejectIssue& issue : out.rejects[0].issues)
        described.push_back(describe(issue));
    return described;
}

using Issues = std::vector<std::string>;

TEST(RejectIssues, RuleNamesAreStableSqlData)
{
    EXPECT_STREQ(reject_rule_name(RejectRule::EmptyValue), "empty_value");
    EXPECT_STREQ(reject_rule_name(RejectRule::NotAWholeNumber), "not_a_whole_number");
    EXPECT_STREQ(reject_rule_name(RejectRule::OutOfRange), "out_of_range");
    EXPECT_STREQ(reject_rule_name(RejectRule::NotYesOrNo), "not_yes_or_no");
    EXPECT_STREQ(reject_rule_name(RejectRule::UnknownCode), "unknown_code");
    EXPECT_STREQ(reject_rule_name(RejectRule::WrongFieldCount), "wrong_field_count");
    EXPECT_STREQ(reject_rule_name(RejectRule::FieldTooLong), "field_too_long");
    EXPECT_STREQ(reject_rule_name(RejectRule::RecordTooLong), "record_too_long");
    EXPECT_STREQ(reject_rule_name(RejectRule::MalformedQuoting), "malformed_quoting");
    EXPECT_STREQ(reject_rule_name(RejectRule::UnbalancedQuote), "unbalanced_quote");
}

TEST(RejectIssues, EachFieldRuleNamesItsColumnAndValue)
{
    EXPECT_EQ(issues_for(record_with(kAge, "")), Issues{"2 empty_value "});
    EXPECT_EQ(issues_for(record_with(kSex, "\"\"")), Issues{"1 empty_value "});
    EXPECT_EQ(issues_for(record_with(kSex, "NA")), Issues{"1 missing_value NA"});
    EXPECT_EQ(issues_for(record_with(kG1, "\"7.5\"")), Issues{"30 not_a_whole_number 7.5"});
    EXPECT_EQ(issues_for(record_with(kAge, "23")), Issues{"2 out_of_range 23"});
    EXPECT_EQ(issues_for(record_with(kSchoolsup, "\"maybe\"")), Issues{"15 not_yes_or_no maybe"});
    EXPECT_EQ(issues_for(record_with(kSchool, "\"XX\"")), Issues{"0 unknown_code XX"});
}

TEST(RejectIssues, ValueIsTheFieldAsDeliveredNotAsTheReasonRendersIt)
{
    // The reason prints the number (23); the issue keeps what the file said.
    EXPECT_EQ(issues_for(record_with(kAge, "0023")), Issues{"2 out_of_range 0023"});
    EXPECT_EQ(issues_for(record_with(kAge, "4294967296")), Issues{"2 out_of_range 4294967296"});
    // Quotes are the CSV's, not the value's; unquoted spaces are trimmed as for the value.
    EXPECT_EQ(issues_for(record_with(kMjob, "  athome ")), Issues{"8 unknown_code athome"});
    EXPECT_EQ(issues_for(record_with(kMjob, "\" athome \"")), Issues{"8 unknown_code  athome "});
}

TEST(RejectIssues, EachRecordRuleIsTheOnlyIssueWithoutAColumn)
{
    EXPECT_EQ(issues_for("x"), Issues{"-1 wrong_field_count "});
    EXPECT_EQ(issues_for(kRecord + ";1"), Issues{"-1 wrong_field_count "});
    ParserOptions narrow;
    narrow.max_field_bytes = 10;
    EXPECT_EQ(issues_for(record_with(kMjob, std::string(11, 'x')), narrow), Issues{"-1 field_too_long "});
    EXPECT_EQ(issues_for(record_with(kMjob, std::string(500, 'x')), narrow), Issues{"-1 field_too_long "});
    ParserOptions short_records;
    short_records.max_record_bytes = 300;
    EXPECT_EQ(issues_for(record_with(kMjob, std::string(200, 'x')), short_records), Issues{"-1 record_too_long "});
    EXPECT_EQ(issues_for(record_with(kSchool, "\"GP\"x")), Issues{"-1 malformed_quoting "});
    EXPECT_EQ(issues_for(record_with(kAge, "1\"8")), Issues{"-1 malformed_quoting "});
    EXPECT_EQ(issues_for(record_with(kG3, "\"6")), Issues{"-1 unbalanced_quote "});
}

TEST(RejectIssues, ARecordProblemReplacesTheFieldProblemsBeforeIt)
{
    // Age is out of range, but with a field missing the record is judged as a whole.
    std::vector<std::string> fields = test::split(record_with(kAge, "99"), ';');
    fields.pop_back();
    EXPECT_EQ(issues_for(test::join(fields, ';')), Issues{"-1 wrong_field_count "});
}

TEST(RejectIssues, ThreeBadFieldsAreThreeIssuesInTheReasonsOrder)
{
    std::vector<std::string> fields = test::split(kRecord, ';');
    fields[kSchool] = "X";
    fields[kAge] = "99";
    fields[kG3] = "";
    const std::string record = test::join(fields, ';');
    EXPECT_EQ(issues_for(record), (Issues{"0 unknown_code X", "2 out_of_range 99", "32 empty_value "}));

    // With the columns reversed the reason starts with G3, and so do the issues; the column
    // is still the dictionary index, whatever the file's order.
    std::vector<std::string> names = test::split(kHeader, ';');
    std::reverse(names.begin(), names.end());
    std::reverse(fields.begin(), fields.end());
    const test::Outcome out = run_parser(test::join(names, ';') + "\n" + test::join(fields, ';') + "\n");
    ASSERT_EQ(out.rejects.size(), 1u);
    ASSERT_EQ(out.rejects[0].issues.size(), 3u);
    EXPECT_EQ(describe(out.rejects[0].issues[0]), "32 empty_value ");
    EXPECT_EQ(describe(out.rejects[0].issues[1]), "2 out_of_range 99");
    EXPECT_EQ(describe(out.rejects[0].issues[2]), "0 unknown_code X");
    EXPECT_EQ(kColumns[out.rejects[0].issues[0].column].header, "G3");
}

TEST(RejectIssues, AValueHoldingTheReasonSeparatorStaysOneIssue)
{
    const test::Outcome out = run_parser(kHeader + "\n" + record_with(kSchool, "\"GP; column \"\"sex\"\": x\"") + "\n");
    ASSERT_EQ(out.rejects.size(), 1u);
    const RejectedRow& r = out.rejects[0];
    EXPECT_EQ(r.reason, "column \"school\": \"GP; column \"sex\": x\" is not one of GP, MS");
    ASSERT_EQ(r.issues.size(), 1u);
    EXPECT_EQ(describe(r.issues[0]), "0 unknown_code GP; column \"sex\": x");

    // The same in a comma file, where "; " needs no quotes.
    std::string header = kHeader;
    std::replace(header.begin(), header.end(), ';', ',');
    std::vector<std::string> fields = test::split(kRecord, ';');
    fields[kSex] = "F; M";
    const test::Outcome comma = run_parser(header + "\n" + test::join(fields, ',') + "\n");
    ASSERT_EQ(comma.rejects.size(), 1u);
    ASSERT_EQ(comma.rejects[0].issues.size(), 1u);
    EXPECT_EQ(describe(comma.rejects[0].issues[0]), "1 unknown_code F; M");
}

TEST(RejectIssues, ValueIsPrintableExactlyLikeTheReasonsQuote)
{
    EXPECT_EQ(issues_for(record_with(kSchool, "\"a\\b\tc\"")), Issues{"0 unknown_code a\\\\b\tc"});
    EXPECT_EQ(issues_for(record_with(kSchool, "\"Jo\xC3\xA3o\"")), Issues{"0 unknown_code Jo\xC3\xA3o"});
    EXPECT_EQ(issues_for(record_with(kSchool, std::string("G\0P", 3))), Issues{"0 unknown_code G\\x00P"});
    EXPECT_EQ(issues_for(record_with(kSchool, "\xFF")), Issues{"0 unknown_code \\xff"});
    ParserOptions ascii;
    ascii.ascii_only_raw = true;
    EXPECT_EQ(issues_for(record_with(kSchool, "\"Jo\xC3\xA3o\""), ascii), Issues{"0 unknown_code Jo\\xc3\\xa3o"});
}

TEST(RejectIssues, ValueIsCutAtItsOwnLimitNotTheReasons)
{
    static_assert(kIssueValueBytes == 256, "README and the SQL side document 256");
    const test::Outcome out = run_parser(kHeader + "\n" + record_with(kSchool, std::string(300, 'x')) + "\n");
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].reason, "column \"school\": \"" + std::string(64, 'x') + "\"... is not one of GP, MS");
    ASSERT_EQ(out.rejects[0].issues.size(), 1u);
    EXPECT_EQ(out.rejects[0].issues[0].value, std::string(256, 'x'));
    // Never inside an escape: 254 x's + \x01 (4 bytes printable) stops after the x's.
    EXPECT_EQ(issues_for(record_with(kSchool, std::string(254, 'x') + "\x01")),
              Issues{"0 unknown_code " + std::string(254, 'x')});
    EXPECT_EQ(issues_for(record_with(kSchool, std::string(256, 'x'))), Issues{"0 unknown_code " + std::string(256, 'x')});
}

TEST(RejectIssues, IssuesDoNotDependOnChunking)
{
    std::vector<std::string> fields = test::split(kRecord, ';');
    fields[kSchool] = "\"G\xC3\xA3; P\"";
    fields[kAge] = "99";
    fields[kG3] = "";
    const std::string text = kHeader + "\n" + test::join(fields, ';') + "\nx\n" + record_with(kSchool, "\"GP\"x") + "\n";
    const test::Outcome whole = run_parser(text);
    ASSERT_EQ(whole.rejects.size(), 3u);
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u})
        EXPECT_EQ(run_parser(text, chunk).dump, whole.dump) << "chunk " << chunk;
}

TEST(RejectIssues, EveryRejectOfTheBadRowsFixtureHasIssues)
{
    const test::Outcome out = run_parser(test::read_fixture("student-mat-badrows.csv"));
    ASSERT_EQ(out.rejects.size(), 8u);
    for (const RejectedRow& r : out.rejects) {
        ASSERT_FALSE(r.issues.empty()) << r.reason;
        for (const RejectIssue& issue : r.issues) {
            EXPECT_GE(issue.column, -1);
            EXPECT_LT(issue.column, kColumnCount);
            if (issue.column == -1) {
                EXPECT_EQ(r.issues.size(), 1u);
            }
        }
    }
}

}  // namespace
}  // namespace student_etl
