// Record-level behaviour: field conversion, the exact reject reasons, raw text, line numbers.
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
constexpr int kSchool = 0, kAge = 2, kMjob = 8, kSchoolsup = 15, kAbsences = 29, kG1 = 30, kG3 = 32;

test::Outcome parse_records(const std::vector<std::string>& records, const ParserOptions& options = {})
{
    std::string text = kHeader + "\n";
    for (const std::string& r : records)
        text += r + "\n";
    return run_parser(text, 0, options);
}

// The reason a single record is rejected with ("" if it loads).
std::string reason_for(const std::string& record, const ParserOptions& options = {})
{
    const test::Outcome out = parse_records({record, kRecord}, options);
    EXPECT_EQ(out.error, "");
    return out.rejects.empty() ? "" : out.rejects[0].reason;
}

int value_of(const std::string& record, int column)
{
    const test::Outcome out = parse_records({record});
    EXPECT_EQ(out.error, "");
    EXPECT_EQ(out.rows.size(), 1u) << (out.rejects.empty() ? "" : out.rejects[0].reason);
    return out.rows.empty() ? -1 : out.rows[0].value[column];
}

TEST(Records, IntegersAreDigitsOnly)
{
    EXPECT_EQ(value_of(record_with(kAge, "15"), kAge), 15);
    EXPECT_EQ(value_of(record_with(kAge, "22"), kAge), 22);
    EXPECT_EQ(value_of(record_with(kAge, "\"17\""), kAge), 17);
    EXPECT_EQ(value_of(record_with(kAge, "017"), kAge), 17);
    EXPECT_EQ(value_of(record_with(kAge, "  17 "), kAge), 17);   // libcsv trims unquoted fields
    EXPECT_EQ(reason_for(record_with(kAge, "\" 17\"")), "column \"age\": \" 17\" is not a whole number");
    EXPECT_EQ(reason_for(record_with(kAge, "+17")), "column \"age\": \"+17\" is not a whole number");
    EXPECT_EQ(reason_for(record_with(kAge, "1 7")), "column \"age\": \"1 7\" is not a whole number");
    EXPECT_EQ(reason_for(record_with(kAge, "17.0")), "column \"age\": \"17.0\" is not a whole number");
    EXPECT_EQ(reason_for(record_with(kAge, "1e1")), "column \"age\": \"1e1\" is not a whole number");
    EXPECT_EQ(reason_for(record_with(kG1, "\"7.5\"")), "column \"G1\": \"7.5\" is not a whole number");
    EXPECT_EQ(reason_for(record_with(kAbsences, "-1")), "column \"absences\": \"-1\" is not a whole number");
}

TEST(Records, IntegerRanges)
{
    EXPECT_EQ(reason_for(record_with(kAge, "23")), "column \"age\": 23 is out of range 15..22");
    EXPECT_EQ(reason_for(record_with(kAge, "14")), "column \"age\": 14 is out of range 15..22");
    EXPECT_EQ(reason_for(record_with(kAge, "0023")), "column \"age\": 23 is out of range 15..22");
    EXPECT_EQ(reason_for(record_with(kAbsences, "94")), "column \"absences\": 94 is out of range 0..93");
    EXPECT_EQ(value_of(record_with(kAbsences, "93"), kAbsences), 93);
    EXPECT_EQ(reason_for(record_with(kG3, "21")), "column \"G3\": 21 is out of range 0..20");
    EXPECT_EQ(reason_for(record_with(kAge, "4294967295")), "column \"age\": 4294967295 is out of range 15..22");
    // Past 32 bits the text is quoted rather than a (wrapped) number printed.
    EXPECT_EQ(reason_for(record_with(kAge, "4294967296")), "column \"age\": \"4294967296\" is out of range 15..22");
    EXPECT_EQ(reason_for(record_with(kAge, "123456789012345678901234567890")),
              "column \"age\": \"123456789012345678901234567890\" is out of range 15..22");
}

TEST(Records, FailuresAcceptsTheRealDataRange)
{
    constexpr int kFailures = 14;
    EXPECT_EQ(value_of(record_with(kFailures, "3"), kFailures), 3);
    EXPECT_EQ(value_of(record_with(kFailures, "4"), kFailures), 4);
    EXPECT_EQ(reason_for(record_with(kFailures, "5")), "column \"failures\": 5 is out of range 0..4");
}

TEST(Records, EmptyValues)
{
    EXPECT_EQ(reason_for(record_with(kAge, "")), "column \"age\": empty value");
    EXPECT_EQ(reason_for(record_with(kAge, "\"\"")), "column \"age\": empty value");
    EXPECT_EQ(reason_for(record_with(kAge, "   ")), "column \"age\": empty value");
    EXPECT_EQ(reason_for(record_with(kSchool, "")), "column \"school\": empty value");
    // The shipped missing-value policy rejects only the 13 identifying attributes and G3.
    EXPECT_EQ(reason_for(record_with(kG3, "\"\"")), "column \"G3\": empty value");
    EXPECT_EQ(reason_for(record_with(kSchoolsup, "\"\"")), "");   // kept as NULL (test_missing_values.cpp)
}

TEST(Records, YesNo)
{
    EXPECT_EQ(value_of(record_with(kSchoolsup, "yes"), kSchoolsup), 1);
    EXPECT_EQ(value_of(record_with(kSchoolsup, "\"YES\""), kSchoolsup), 1);
    EXPECT_EQ(value_of(record_with(kSchoolsup, "No"), kSchoolsup), 0);
    EXPECT_EQ(reason_for(record_with(kSchoolsup, "\"maybe\"")), "column \"schoolsup\": \"maybe\" is not yes or no");
    EXPECT_EQ(reason_for(record_with(kSchoolsup, "y")), "column \"schoolsup\": \"y\" is not yes or no");
    EXPECT_EQ(reason_for(record_with(kSchoolsup, "1")), "column \"schoolsup\": \"1\" is not yes or no");
}

TEST(Records, CodesAreStoredAsTheirIndex)
{
    EXPECT_EQ(value_of(record_with(kSchool, "\"MS\""), kSchool), 1);
    EXPECT_EQ(value_of(record_with(kSchool, "gp"), kSchool), 0);
    EXPECT_EQ(value_of(record_with(kMjob, "\"At_Home\""), kMjob), 3);
    EXPECT_EQ(value_of(record_with(kMjob, "other"), kMjob), 4);
    EXPECT_EQ(reason_for(record_with(kSchool, "\"XX\"")), "column \"school\": \"XX\" is not one of GP, MS");
    EXPECT_EQ(reason_for(record_with(kMjob, "athome")),
              "column \"Mjob\": \"athome\" is not one of teacher, health, services, at_home, other");
    EXPECT_EQ(reason_for(record_with(5, "\"t \"")), "column \"Pstatus\": \"t \" is not one of T, A");
}

TEST(Records, SeveralBadFieldsAreAllNamedInFileOrder)
{
    std::vector<std::string> fields = test::split(kRecord, ';');
    fields[kSchool] = "X";
    fields[kAge] = "99";
    fields[kG3] = "";
    EXPECT_EQ(reason_for(test::join(fields, ';')),
              "column \"school\": \"X\" is not one of GP, MS; column \"age\": 99 is out of range 15..22; "
              "column \"G3\": empty value");

    // With the columns reversed, the file's order is G3 first.
    std::vector<std::string> names = test::split(kHeader, ';');
    std::reverse(names.begin(), names.end());
    std::reverse(fields.begin(), fields.end());
    const test::Outcome out = run_parser(test::join(names, ';') + "\n" + test::join(fields, ';') + "\n");
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].reason,
              "column \"G3\": empty value; column \"age\": 99 is out of range 15..22; "
              "column \"school\": \"X\" is not one of GP, MS");
}

TEST(Records, FieldCountAloneIsReported)
{
    std::vector<std::string> fields = test::split(record_with(kAge, "99"), ';');
    fields.pop_back();
    EXPECT_EQ(reason_for(test::join(fields, ';')), "expected 33 fields, found 32");
    EXPECT_EQ(reason_for(kRecord + ";"), "expected 33 fields, found 34");
    EXPECT_EQ(reason_for("x"), "expected 33 fields, found 1");
    EXPECT_EQ(reason_for(";"), "expected 33 fields, found 2");
    EXPECT_EQ(reason_for(kRecord + ";" + kRecord), "expected 33 fields, found 66");
}

TEST(Records, ValuesInReasonsArePrintableAndCut)
{
    EXPECT_EQ(reason_for(record_with(kSchool, "\"a\\b\tc\"")), "column \"school\": \"a\\\\b\tc\" is not one of GP, MS");
    EXPECT_EQ(reason_for(record_with(kSchool, "\"Jo\xC3\xA3o\"")), "column \"school\": \"Jo\xC3\xA3o\" is not one of GP, MS");
    EXPECT_EQ(reason_for(record_with(kSchool, "\xFF")), "column \"school\": \"\\xff\" is not one of GP, MS");
    ParserOptions ascii;
    ascii.ascii_only_raw = true;
    EXPECT_EQ(reason_for(record_with(kSchool, "\"Jo\xC3\xA3o\""), ascii),
              "column \"school\": \"Jo\\xc3\\xa3o\" is not one of GP, MS");
    EXPECT_EQ(reason_for(record_with(kSchool, std::string(100, 'x'))),
              "column \"school\": \"" + std::string(64, 'x') + "\"... is not one of GP, MS");
    // Cut before an escape that would not fit: 62 x's + "\x01" (4 bytes) > 64.
    EXPECT_EQ(reason_for(record_with(kSchool, std::string(62, 'x') + "\x01")),
              "column \"school\": \"" + std::string(62, 'x') + "\"... is not one of GP, MS");
}

TEST(Records, RawIsTheRecordMadePrintable)
{
    const std::string bad = record_with(kSchool, "\"\xFF\"");
    const test::Outcome out = parse_records({bad});
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].raw, record_with(kSchool, "\"\\xff\""));
    EXPECT_EQ(out.rejects[0].line, 2u);
}

TEST(Records, RawIsCutAtMaxRawBytes)
{
    ParserOptions options;
    options.max_raw_bytes = 20;
    const std::string bad = record_with(kSchool, "\"XX\"");
    const test::Outcome out = parse_records({bad}, options);
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].raw,
              bad.substr(0, 20) + "...[truncated, " + std::to_string(bad.size()) + " bytes]");
}

TEST(Records, RawCutNeverSplitsAnEscape)
{
    ParserOptions options;
    options.max_raw_bytes = 5;
    // Printable form: "X\x01Y"; -- the escape would end at byte 6, so the cut is after "X.
    const test::Outcome out = parse_records({"\"X\x01Y\";"}, options);
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].raw, "\"X...[truncated, 6 bytes]");
}

TEST(Records, LineNumbersArePhysicalLines)
{
    const std::string text = kHeader + "\n" + kRecord + "\n\n   \n" + kRecord + "\n\t\n" + kRecord + "\n";
    const test::Outcome out = run_parser(text);
    ASSERT_EQ(out.rows.size(), 3u);
    EXPECT_EQ(out.rows[0].line, 2u);
    EXPECT_EQ(out.rows[1].line, 5u);
    EXPECT_EQ(out.rows[2].line, 7u);
}

TEST(Records, LineBreaksInsideQuotesEndTheRecordAnyway)
{
    // No field can hold a line break: each physical line is a record of its own.
    const std::string multi = record_with(kMjob, "\"at\nho\r\nme\"");
    const test::Outcome out = parse_records({kRecord, multi, kRecord});
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rejects.size(), 3u);
    EXPECT_EQ(out.rejects[0].line, 3u);
    EXPECT_EQ(out.rejects[0].reason, "unbalanced quote");
    EXPECT_EQ(out.rejects[0].raw, multi.substr(0, multi.find('\n')));
    EXPECT_EQ(out.rejects[1].line, 4u);
    EXPECT_EQ(out.rejects[1].reason, "expected 33 fields, found 1");
    EXPECT_EQ(out.rejects[1].raw, "ho");
    EXPECT_EQ(out.rejects[2].line, 5u);
    EXPECT_EQ(out.rejects[2].reason, "malformed quoting");
    EXPECT_EQ(out.rejects[2].raw, multi.substr(multi.find("me\"")));
    ASSERT_EQ(out.rows.size(), 2u);
    EXPECT_EQ(out.rows[0].line, 2u);
    EXPECT_EQ(out.rows[1].line, 6u);
}

// kRecord as an unquoted comma-delimited record, and the header to go with it.
std::string comma_record(int index = -1, const std::string& text = "")
{
    std::vector<std::string> fields = test::split(kRecord, ';');
    for (std::string& f : fields)
        f.erase(std::remove(f.begin(), f.end(), '"'), f.end());
    if (index >= 0)
        fields.at(static_cast<std::size_t>(index)) = text;
    return test::join(fields, ',');
}

TEST(Records, AStrayQuoteCostsOnlyItsLine)
{
    // An unquoted comma file of 44 good lines (2..45) where line 5 has a quote opening a
    // field. libcsv alone reads on inside that quote through every following line; a line
    // end ends the record instead, so the rest of the file loads.
    std::string header = kHeader;
    std::replace(header.begin(), header.end(), ';', ',');
    const std::string stray = comma_record(kMjob, "\"at_home");
    for (const std::string line_end : {"\n", "\r\n", "\r"}) {
        std::string text = header + line_end;
        for (int line = 2; line <= 45; ++line)
            text += (line == 5 ? stray : comma_record()) + line_end;
        const test::Outcome out = run_parser(text);
        EXPECT_EQ(out.error, "");
        ASSERT_EQ(out.rejects.size(), 1u);
        EXPECT_EQ(out.rejects[0].line, 5u);
        EXPECT_EQ(out.rejects[0].reason, "unbalanced quote");
        EXPECT_EQ(out.rejects[0].raw, stray);
        ASSERT_EQ(out.rejects[0].issues.size(), 1u);
        EXPECT_EQ(out.rejects[0].issues[0].column, -1);
        EXPECT_EQ(out.rejects[0].issues[0].rule, RejectRule::UnbalancedQuote);
        ASSERT_EQ(out.rows.size(), 43u);
        for (std::size_t i = 0; i < out.rows.size(); ++i) {
            EXPECT_EQ(out.rows[i].line, i < 3 ? i + 2 : i + 3);
            EXPECT_EQ(test::values_of(out.rows[i]), test::kRecordValues);
        }
        EXPECT_EQ(out.records_read, 44u);
        for (std::size_t chunk : {1u, 2u, 3u, 7u, 100u})
            EXPECT_EQ(run_parser(text, chunk).dump, out.dump) << "chunk " << chunk;
    }
}

TEST(Records, CrLfLineEnds)
{
    const std::string text = kHeader + "\r\n" + kRecord + "\r\n\r\n" + record_with(kAge, "99") + "\r\n";
    const test::Outcome out = run_parser(text);
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(out.rows[0].line, 2u);
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].line, 4u);
    EXPECT_EQ(out.rejects[0].raw, record_with(kAge, "99"));   // no CR in raw
}

TEST(Records, LoneCrEndsRecordsAndLines)
{
    // As libcsv reads it: a lone CR ends an unquoted record -- and a line, so that no two
    // records share a line number (it is part of the tables' primary keys).
    const std::string text = kHeader + "\r" + kRecord + "\r" + record_with(kAge, "99") + "\r" + kRecord + "\r";
    const test::Outcome out = run_parser(text);
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rows.size(), 2u);
    EXPECT_EQ(out.rows[0].line, 2u);
    EXPECT_EQ(out.rows[1].line, 4u);
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].line, 3u);
    EXPECT_EQ(out.rejects[0].raw, record_with(kAge, "99"));
    for (std::size_t chunk : {1, 2, 3, 7, 64})
        EXPECT_EQ(run_parser(text, chunk).dump, out.dump) << "chunk " << chunk;
}

TEST(Records, StrayCrInsideARecordDoesNotRepeatALineNumber)
{
    // A CR in an unquoted field splits the record (as libcsv reads it): both halves are
    // rejected, on different lines, and the next record keeps counting from there.
    const std::string text = kHeader + "\n" + kRecord.substr(0, 40) + "\r" + kRecord.substr(40) + "\n" +
                             kRecord + "\r\n" + kRecord + "\n";
    const test::Outcome out = run_parser(text);
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rejects.size(), 2u);
    EXPECT_EQ(out.rejects[0].line, 2u);
    EXPECT_EQ(out.rejects[1].line, 3u);
    ASSERT_EQ(out.rows.size(), 2u);
    EXPECT_EQ(out.rows[0].line, 4u);
    EXPECT_EQ(out.rows[1].line, 5u);
    for (std::size_t chunk : {1, 2, 3, 7, 41})
        EXPECT_EQ(run_parser(text, chunk).dump, out.dump) << "chunk " << chunk;
}

TEST(Records, HeaderEndedByALoneCr)
{
    const test::Outcome out = run_parser("\r\r" + kHeader + "\r" + kRecord);
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(out.rows[0].line, 4u);
    EXPECT_EQ(run_parser("\r\r" + kHeader + "\r" + kRecord, 1).dump, out.dump);
}

TEST(Records, LastRecordWithoutLineEnd)
{
    const test::Outcome out = run_parser(kHeader + "\n" + kRecord + "\n" + record_with(kAge, "16"));
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rows.size(), 2u);
    EXPECT_EQ(out.rows[1].line, 3u);
    EXPECT_EQ(out.rows[1].value[kAge], 16);

    const test::Outcome bad = run_parser(kHeader + "\n" + kRecord + "\n" + record_with(kAge, "99"));
    ASSERT_EQ(bad.rejects.size(), 1u);
    EXPECT_EQ(bad.rejects[0].raw, record_with(kAge, "99"));
}

TEST(Records, MalformedQuotingRejectsOneLineAndResynchronises)
{
    const std::string broken = record_with(kSchool, "\"GP\"x");
    const std::string stray = record_with(kAge, "1\"8");
    const test::Outcome out = parse_records({broken, kRecord, stray, kRecord});
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rejects.size(), 2u);
    EXPECT_EQ(out.rejects[0].line, 2u);
    EXPECT_EQ(out.rejects[0].reason, "malformed quoting");
    EXPECT_EQ(out.rejects[0].raw, broken);
    EXPECT_EQ(out.rejects[1].line, 4u);
    EXPECT_EQ(out.rejects[1].reason, "malformed quoting");
    EXPECT_EQ(out.rejects[1].raw, stray);
    ASSERT_EQ(out.rows.size(), 2u);
    EXPECT_EQ(out.rows[0].line, 3u);
    EXPECT_EQ(out.rows[1].line, 5u);
    EXPECT_EQ(out.records_read, 4u);
    EXPECT_EQ(out.records_rejected, 2u);
}

TEST(Records, AQuoteClosedOnTheNextLineIsTwoBadLines)
{
    // Line 2 ends inside a quote that line 3 closes: neither line is a record of 33 fields,
    // and line 4 is read as the fresh record it is.
    const std::string text = kHeader + "\n\"GP\";\"a\nb\"c;x\n" + kRecord + "\n";
    const test::Outcome out = run_parser(text);
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rejects.size(), 2u);
    EXPECT_EQ(out.rejects[0].line, 2u);
    EXPECT_EQ(out.rejects[0].reason, "unbalanced quote");
    EXPECT_EQ(out.rejects[0].raw, "\"GP\";\"a");
    EXPECT_EQ(out.rejects[1].line, 3u);
    EXPECT_EQ(out.rejects[1].reason, "malformed quoting");
    EXPECT_EQ(out.rejects[1].raw, "b\"c;x");
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(out.rows[0].line, 4u);
}

}  // namespace
}  // namespace student_etl
