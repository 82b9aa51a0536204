// The committed fixtures under test/data: the original file, its "found in the wild"
// variant, and the file with planted bad rows. Each is also fed in several chunk sizes,
// which must never change the outcome.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace student_etl {
namespace {

using test::Outcome;
using test::read_fixture;
using test::run_parser;

const std::size_t kChunkSizes[] = {1, 2, 3, 7, 64, 4096};

void expect_chunking_is_invisible(const std::string& text)
{
    const Outcome whole = run_parser(text);
    for (std::size_t chunk : kChunkSizes)
        EXPECT_EQ(run_parser(text, chunk).dump, whole.dump) << "chunk size " << chunk;
}

TEST(Fixtures, OriginalLoadsCompletely)
{
    const Outcome out = run_parser(read_fixture("student-mat.csv"));
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rows.size(), 395u);
    EXPECT_TRUE(out.rejects.empty());
    EXPECT_EQ(out.records_read, 395u);
    EXPECT_EQ(out.records_rejected, 0u);
    EXPECT_EQ(out.delimiter, ';');
    for (std::size_t i = 0; i < out.rows.size(); ++i)
        ASSERT_EQ(out.rows[i].line, i + 2);
    EXPECT_EQ(test::values_of(out.rows.front()), test::kRecordValues);
    // Last line: "MS";"M";19;"U";"LE3";"T";1;1;"other";"at_home";"course";"father";1;1;0;
    //            "no";"no";"no";"no";"yes";"yes";"yes";"no";3;2;3;3;3;5;5;"8";"9";9
    EXPECT_EQ(test::values_of(out.rows.back()),
              (std::vector<int>{1, 1, 19, 0, 0, 0, 1, 1, 4, 3, 2, 1, 1, 1, 0, 0, 0,
                                0, 0, 1, 1, 1, 0, 3, 2, 3, 3, 3, 5, 5, 8, 9, 9}));
}

TEST(Fixtures, OriginalIsTheSharedSample)
{
    const std::string text = read_fixture("student-mat.csv");
    EXPECT_EQ(text.size(), 56993u);
    EXPECT_EQ(text.substr(0, test::kHeader.size() + 1), test::kHeader + "\n");
}

TEST(Fixtures, VariantGivesTheSameValues)
{
    const std::string variant = read_fixture("student-mat-variant.csv");
    ASSERT_EQ(variant.substr(0, 3), "\xEF\xBB\xBF");
    ASSERT_NE(variant.find("\r\n"), std::string::npos);
    ASSERT_EQ(variant.find('"'), std::string::npos);
    ASSERT_EQ(variant.compare(3, 3, "G3,"), 0);

    const Outcome original = run_parser(read_fixture("student-mat.csv"));
    const Outcome out = run_parser(variant);
    EXPECT_EQ(out.error, "");
    EXPECT_EQ(out.delimiter, ',');
    EXPECT_TRUE(out.rejects.empty());
    ASSERT_EQ(out.rows.size(), 395u);
    // Same lines (the BOM does not shift them), same values in dictionary order.
    EXPECT_EQ(out.dump, original.dump);
}

TEST(Fixtures, BadRowsGiveExactlyTheExpectedRejects)
{
    const Outcome out = run_parser(read_fixture("student-mat-badrows.csv"));
    EXPECT_EQ(out.error, "");
    EXPECT_EQ(out.rows.size(), 12u);
    EXPECT_EQ(out.records_read, 20u);
    EXPECT_EQ(out.records_rejected, 8u);

    std::string listed;
    for (const RejectedRow& r : out.rejects)
        listed += std::to_string(r.line) + "\t" + r.reason + "\n";
    EXPECT_EQ(listed, read_fixture("student-mat-badrows.expected"));

    // Good rows keep their own line numbers around the rejects.
    std::vector<std::uint64_t> lines;
    for (const ParsedRow& row : out.rows)
        lines.push_back(row.line);
    EXPECT_EQ(lines, (std::vector<std::uint64_t>{2, 4, 6, 8, 10, 12, 14, 15, 17, 18, 20, 21}));
}

TEST(Fixtures, RejectRawIsTheRecordWithoutItsLineEnd)
{
    const std::string text = read_fixture("student-mat-badrows.csv");
    const Outcome out = run_parser(text);
    ASSERT_EQ(out.rejects.size(), 8u);
    const std::vector<std::string> lines = test::split(text, '\n');
    for (const RejectedRow& r : out.rejects)
        EXPECT_EQ(r.raw, lines.at(r.line - 1)) << r.line;
}

TEST(Fixtures, ChunkingNeverChangesTheOutcome)
{
    expect_chunking_is_invisible(read_fixture("student-mat.csv"));
    expect_chunking_is_invisible(read_fixture("student-mat-variant.csv"));
    expect_chunking_is_invisible(read_fixture("student-mat-badrows.csv"));
}

}  // namespace
}  // namespace student_etl
