// File-level problems: everything that makes a file "not a delivery" (DeliveryError),
// and the header handling that decides how the rest is read.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

#include "test_support.hpp"

namespace student_etl {
namespace {

using test::error_of;
using test::kHeader;
using test::kRecord;
using test::run_parser;

const std::string kFile = kHeader + "\n" + kRecord + "\n";

// kHeader with the names in `names` order (a subset, a superset or a permutation).
std::string header_of(const std::vector<std::string>& names, char delim = ';')
{
    return test::join(names, delim);
}

std::vector<std::string> header_names()
{
    return test::split(kHeader, ';');
}

TEST(DeliveryFile, EmptyInput)
{
    EXPECT_EQ(error_of(""), "file is empty");
    EXPECT_EQ(error_of("\n"), "file is empty");
    EXPECT_EQ(error_of("\n\r\n  \n\t\n\n"), "file is empty");
    EXPECT_EQ(error_of("\xEF\xBB\xBF"), "file is empty");
    EXPECT_EQ(error_of("\xEF\xBB\xBF\r\n\r\n"), "file is empty");
}

TEST(DeliveryFile, HeaderWithoutDataRecords)
{
    EXPECT_EQ(error_of(kHeader), "no data records after the header");
    EXPECT_EQ(error_of(kHeader + "\n"), "no data records after the header");
    EXPECT_EQ(error_of(kHeader + "\r\n\r\n   \n"), "no data records after the header");
}

TEST(DeliveryFile, MinimalFileLoads)
{
    const test::Outcome out = run_parser(kFile);
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(out.rows[0].line, 2u);
    EXPECT_EQ(test::values_of(out.rows[0]), test::kRecordValues);
}

TEST(DeliveryFile, Utf8BomIsStrippedAndDoesNotCountAsALine)
{
    const test::Outcome out = run_parser("\xEF\xBB\xBF" + kFile);
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(out.rows[0].line, 2u);
}

TEST(DeliveryFile, Utf16And32ByteOrderMarksAreBinary)
{
    const std::string message = "file looks binary: UTF-16/UTF-32 byte order mark (expected UTF-8 text)";
    EXPECT_EQ(error_of(std::string("\xFF\xFEs\0c\0", 6)), message);              // UTF-16LE
    EXPECT_EQ(error_of(std::string("\xFE\xFF\0s\0c", 6)), message);              // UTF-16BE
    EXPECT_EQ(error_of(std::string("\xFF\xFE\0\0s\0\0\0", 8)), message);         // UTF-32LE
    EXPECT_EQ(error_of(std::string("\0\0\xFE\xFF\0\0\0s", 8)), message);         // UTF-32BE
    EXPECT_EQ(error_of("\xFF\xFE"), message);                                    // nothing else
}

TEST(DeliveryFile, NulByteInTheHeaderIsBinary)
{
    EXPECT_EQ(error_of(std::string("sch\0ool;sex\n", 12)), "file looks binary: NUL byte in line 1");
    EXPECT_EQ(error_of(std::string("\n\n\0", 3)), "file looks binary: NUL byte in line 3");
    EXPECT_EQ(error_of(std::string("PK\3\4\0\0\0\0", 8)), "file looks binary: NUL byte in line 1");
}

TEST(DeliveryFile, NulByteInARecordIsOnlyAReject)
{
    const test::Outcome out = run_parser(kHeader + "\n" + test::record_with(0, std::string("G\0P", 3)) + "\n" + kRecord + "\n");
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].reason, "column \"school\": \"G\\x00P\" is not one of GP, MS");
    EXPECT_EQ(out.rows.size(), 1u);
}

TEST(DeliveryFile, NoDelimiter)
{
    EXPECT_EQ(error_of("school\nGP\n"), "line 1: no delimiter found (expected ';' or ',')");
    EXPECT_EQ(error_of("\n\nschool\n"), "line 3: no delimiter found (expected ';' or ',')");
    // Tab is not a supported delimiter.
    EXPECT_EQ(error_of(header_of(header_names(), '\t') + "\n"), "line 1: no delimiter found (expected ';' or ',')");
}

TEST(DeliveryFile, CommaDelimiterIsDetected)
{
    const test::Outcome out = run_parser(header_of(header_names(), ',') + "\n" + test::join(test::split(kRecord, ';'), ',') + "\n");
    EXPECT_EQ(out.error, "");
    EXPECT_EQ(out.delimiter, ',');
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(test::values_of(out.rows[0]), test::kRecordValues);
}

TEST(DeliveryFile, DelimiterThatGives33FieldsWinsOverTheLargerCount)
{
    // 32 semicolons, 40 commas inside one (bad) name: ';' is the delimiter, so the error is
    // about that name, not about a comma-split header.
    std::vector<std::string> names = header_names();
    names[4] = std::string(40, ',');
    EXPECT_EQ(error_of(header_of(names) + "\n"),
              "header: unknown column \"" + names[4] + "\"; missing required column \"famsize\"");
}

TEST(DeliveryFile, OtherwiseTheLargerCountWins)
{
    EXPECT_EQ(error_of("a;b,c,d\n"),
              "header: unknown columns \"a;b\", \"c\", \"d\"; missing required columns \"school\", \"sex\", "
              "\"age\", \"address\", \"famsize\", \"Pstatus\", \"Medu\", \"Fedu\", \"Mjob\", \"Fjob\" and 23 more");
}

TEST(DeliveryFile, DelimitersInsideQuotesAreNotCounted)
{
    // 32 ';' outside quotes, 33 ',' inside one quoted (unknown) name.
    std::vector<std::string> names = header_names();
    names.push_back("\"" + std::string(33, ',') + "\"");
    names.erase(names.begin());   // still 33 names, 32 delimiters
    EXPECT_EQ(error_of(header_of(names) + "\n"),
              "header: unknown column \"" + std::string(33, ',') + "\"; missing required column \"school\"");
}

TEST(DeliveryFile, HeaderNamesAreCaseInsensitiveAndTrimmed)
{
    std::string upper = kHeader;
    for (char& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(error_of(upper + "\n" + kRecord + "\n"), "");
    std::vector<std::string> names = header_names();
    names[2] = "\"Age\"";
    names[3] = "  address ";
    EXPECT_EQ(error_of(header_of(names) + "\n" + kRecord + "\n"), "");
}

TEST(DeliveryFile, UnknownColumn)
{
    EXPECT_EQ(error_of(kHeader + ";foo\n" + kRecord + "\n"), "header: unknown column \"foo\"");
    EXPECT_EQ(error_of(kHeader + ";\n"), "header: unknown column \"\"");
    EXPECT_EQ(error_of(kHeader + ";\"a\\b\x01\"\n"), "header: unknown column \"a\\\\b\\x01\"");
}

TEST(DeliveryFile, UnknownColumnNameIsCutTo64Bytes)
{
    const std::string name(100, 'x');
    EXPECT_EQ(error_of(kHeader + ";" + name + "\n"), "header: unknown column \"" + std::string(64, 'x') + "\"...");
}

TEST(DeliveryFile, UnknownColumnHonoursAsciiOnly)
{
    ParserOptions ascii;
    ascii.ascii_only_raw = true;
    EXPECT_EQ(error_of(kHeader + ";Jo\xC3\xA3o\n"), "header: unknown column \"Jo\xC3\xA3o\"");
    EXPECT_EQ(error_of(kHeader + ";Jo\xC3\xA3o\n", ascii), "header: unknown column \"Jo\\xc3\\xa3o\"");
}

TEST(DeliveryFile, DuplicateColumn)
{
    EXPECT_EQ(error_of(kHeader + ";AGE\n" + kRecord + "\n"), "header: duplicate column \"AGE\"");
    EXPECT_EQ(error_of(kHeader + ";age;G1\n"), "header: duplicate columns \"age\", \"G1\"");
}

TEST(DeliveryFile, MissingColumn)
{
    std::vector<std::string> names = header_names();
    names.pop_back();
    EXPECT_EQ(error_of(header_of(names) + "\n"), "header: missing required column \"G3\"");
    names.erase(names.begin() + 5);
    EXPECT_EQ(error_of(header_of(names) + "\n"), "header: missing required columns \"Pstatus\", \"G3\"");
}

TEST(DeliveryFile, AllHeaderProblemsAreNamedTogether)
{
    std::vector<std::string> names = header_names();
    names[26] = "walc";   // Dalc missing, Walc twice
    names.push_back("bogus");
    EXPECT_EQ(error_of(header_of(names) + "\n"),
              "header: unknown column \"bogus\"; duplicate column \"Walc\"; missing required column \"Dalc\"");
}

TEST(DeliveryFile, ColumnsAreBoundByHeaderPosition)
{
    // Reverse every column of header and record: same values in dictionary order.
    std::vector<std::string> names = header_names();
    std::vector<std::string> fields = test::split(kRecord, ';');
    std::reverse(names.begin(), names.end());
    std::reverse(fields.begin(), fields.end());
    const test::Outcome out = run_parser(header_of(names) + "\n" + test::join(fields, ';') + "\n");
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(test::values_of(out.rows[0]), test::kRecordValues);
}

TEST(DeliveryFile, HeaderAfterBlankLines)
{
    const test::Outcome out = run_parser("\n  \r\n\n" + kFile);
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(out.rows[0].line, 5u);
}

TEST(DeliveryFile, HeaderQuotingProblems)
{
    EXPECT_EQ(error_of("sch\"ool;sex\n"), "line 1: malformed quoting in header");
    EXPECT_EQ(error_of("\"school\"x;sex\n"), "line 1: malformed quoting in header");
    EXPECT_EQ(error_of("school;\"sex\n"), "line 1: unterminated quoted field");
    EXPECT_EQ(error_of("school;\"sex"), "line 1: unterminated quoted field");
    EXPECT_EQ(error_of("\nschool;\"sex\nage\n"), "line 2: unterminated quoted field");
}

TEST(DeliveryFile, AQuoteOpenAtTheHeadersLineEndFailsThereAndThen)
{
    // The header stays strict: its line end ends it, whatever follows. Before, the header
    // read on to the next quote (here a whole delivery later, or a megabyte later: "header
    // longer than ..."), so the message depended on what came after.
    std::vector<std::string> names = header_names();
    names[5] = "\"Pstatus";
    EXPECT_EQ(error_of(header_of(names) + "\n" + kRecord + "\n"), "line 1: unterminated quoted field");
    EXPECT_EQ(error_of(header_of(names) + "\r\n" + kRecord + "\r\n"), "line 1: unterminated quoted field");
    EXPECT_EQ(error_of(header_of(names) + "\r" + kRecord + "\r"), "line 1: unterminated quoted field");
    EXPECT_EQ(error_of(header_of(names) + "\n\";x\n" + std::string(2u << 20, 'y') + "\n"),
              "line 1: unterminated quoted field");
}

TEST(DeliveryFile, HeaderIsCapped)
{
    ParserOptions small;
    small.max_record_bytes = 100;
    EXPECT_EQ(error_of(kFile, small), "line 1: header longer than 100 bytes");
    ParserOptions narrow;
    narrow.max_field_bytes = 4;
    EXPECT_EQ(error_of(kHeader + ";" + std::string(200, 'x') + "\n", narrow), "line 1: header field longer than 4 bytes");
}

TEST(DeliveryFile, AQuoteOpenAtTheEndOfTheFileRejectsOnlyTheLastLine)
{
    // With or without a last line end: the last line is rejected, the file still loads.
    for (const std::string& last : {std::string("\"GP\";\"F\n"), std::string("\"GP\";\"F")}) {
        const test::Outcome out = run_parser(kFile + last);
        EXPECT_EQ(out.error, "");
        ASSERT_EQ(out.rows.size(), 1u);
        ASSERT_EQ(out.rejects.size(), 1u);
        EXPECT_EQ(out.rejects[0].line, 3u);
        EXPECT_EQ(out.rejects[0].reason, "unbalanced quote");
        EXPECT_EQ(out.rejects[0].raw, "\"GP\";\"F");
    }
    // The quote no longer swallows the lines after it: each is a record of its own.
    const test::Outcome out = run_parser(kFile + "\n\"GP\";\"F\n\n\n;;");
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rejects.size(), 2u);
    EXPECT_EQ(out.rejects[0].line, 4u);
    EXPECT_EQ(out.rejects[0].reason, "unbalanced quote");
    EXPECT_EQ(out.rejects[1].line, 7u);
    EXPECT_EQ(out.rejects[1].reason, "expected 33 fields, found 3");
    // A delivery whose only record is such a line is still a delivery, with nothing loaded.
    const test::Outcome only = run_parser(kHeader + "\n\"GP\";\"F");
    EXPECT_EQ(only.error, "");
    EXPECT_EQ(only.records_read, 1u);
    EXPECT_EQ(only.records_rejected, 1u);
}

TEST(DeliveryFile, ErrorsAreSticky)
{
    DeliveryParser parser;
    EXPECT_THROW(parser.feed("school\n", 7), DeliveryError);   // the header line is complete: fails now
    try {
        parser.feed(kFile.data(), kFile.size());
        FAIL() << "feed after an error must throw";
    } catch (const DeliveryError& e) {
        EXPECT_STREQ(e.what(), "line 1: no delimiter found (expected ';' or ',')");
    }
    EXPECT_THROW(parser.finish(), DeliveryError);
    EXPECT_EQ(parser.delimiter(), 0);
}

TEST(DeliveryFile, NothingIsAcceptedAfterFinish)
{
    DeliveryParser parser;
    parser.feed(kFile.data(), kFile.size());
    parser.finish();
    EXPECT_EQ(parser.delimiter(), ';');
    EXPECT_EQ(parser.rows().size(), 1u);
    EXPECT_THROW(parser.feed("x", 1), std::logic_error);
    EXPECT_THROW(parser.finish(), std::logic_error);
}

TEST(DeliveryFile, DelimiterIsUnknownBeforeTheHeader)
{
    DeliveryParser parser;
    EXPECT_EQ(parser.delimiter(), 0);
    parser.feed(kHeader.data(), kHeader.size());
    EXPECT_EQ(parser.delimiter(), 0);   // the header has not ended yet
    parser.feed("\n", 1);
    EXPECT_EQ(parser.delimiter(), ';');
}

}  // namespace
}  // namespace student_etl
