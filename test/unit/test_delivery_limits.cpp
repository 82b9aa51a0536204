// Memory bounds: fields and records past their limits are rejected without being
// buffered, and the parser carries on at the next line.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace student_etl {
namespace {

using test::kHeader;
using test::kRecord;
using test::record_with;
using test::run_parser;

constexpr int kSchool = 0, kMjob = 8;
const std::size_t kChunkSizes[] = {0, 1, 7, 100};

// Runs the text in several chunk sizes, checks they agree, returns the whole-text outcome.
test::Outcome run_all_ways(const std::string& text, const ParserOptions& options = {})
{
    const test::Outcome whole = run_parser(text, 0, options);
    for (std::size_t chunk : kChunkSizes)
        EXPECT_EQ(run_parser(text, chunk, options).dump, whole.dump) << "chunk size " << chunk;
    return whole;
}

TEST(Limits, FieldLongerThanTheLimit)
{
    ParserOptions options;
    options.max_field_bytes = 10;
    // 11 bytes: within libcsv's slack, caught when the field is delivered.
    // 500 bytes: refused by the realloc cap while libcsv is still reading it.
    for (std::size_t length : {11u, 500u}) {
        for (bool quoted : {false, true}) {
            const std::string value = quoted ? "\"" + std::string(length, 'x') + "\"" : std::string(length, 'x');
            const std::string bad = record_with(kMjob, value);
            const test::Outcome out = run_all_ways(kHeader + "\n" + bad + "\n" + kRecord + "\n", options);
            EXPECT_EQ(out.error, "");
            ASSERT_EQ(out.rejects.size(), 1u) << length;
            EXPECT_EQ(out.rejects[0].line, 2u);
            EXPECT_EQ(out.rejects[0].reason, "field longer than 10 bytes");
            EXPECT_EQ(out.rejects[0].raw, bad);
            ASSERT_EQ(out.rows.size(), 1u);
            EXPECT_EQ(out.rows[0].line, 3u);
        }
    }
}

TEST(Limits, FieldOfExactlyTheLimitIsConverted)
{
    ParserOptions options;
    options.max_field_bytes = 10;
    const test::Outcome out = run_all_ways(kHeader + "\n" + record_with(kSchool, std::string(10, 'x')) + "\n", options);
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].reason, "column \"school\": \"xxxxxxxxxx\" is not one of GP, MS");
}

TEST(Limits, DefaultFieldLimitIs4096)
{
    const test::Outcome out = run_all_ways(kHeader + "\n" + record_with(kSchool, std::string(4097, 'x')) + "\n");
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].reason, "field longer than 4096 bytes");
}

long max_rss_kib()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

TEST(Limits, HundredMegabyteFieldIsNeverBuffered)
{
    constexpr std::size_t kField = 100u << 20;
    const std::string head = kHeader + "\n\"GP\";\"F\";18;\"U\";\"GT3\";\"A\";4;4;\"";
    const std::string tail = "\";\"teacher\";\"course\";\"mother\";2;2;0;\"yes\";\"no\";\"no\";\"no\";\"yes\";"
                             "\"yes\";\"no\";\"no\";4;3;4;1;1;3;6;\"5\";\"6\";6\n" + kRecord + "\n";
    const std::string chunk(1u << 20, 'x');
    const long rss_before = max_rss_kib();

    DeliveryParser parser;
    parser.feed(head.data(), head.size());
    for (std::size_t sent = 0; sent < kField; sent += chunk.size())
        parser.feed(chunk.data(), chunk.size());
    parser.feed(tail.data(), tail.size());
    parser.finish();

    EXPECT_LT(max_rss_kib() - rss_before, 64 * 1024) << "the parser grew by tens of megabytes";
    ASSERT_EQ(parser.rejects().size(), 1u);
    const RejectedRow& r = parser.rejects()[0];
    EXPECT_EQ(r.line, 2u);
    EXPECT_EQ(r.reason, "field longer than 4096 bytes");
    const std::size_t record_bytes = head.size() - kHeader.size() - 1 + kField + tail.size() - kRecord.size() - 2;
    const std::string expected_start = head.substr(kHeader.size() + 1) + std::string(8192 - (head.size() - kHeader.size() - 1), 'x');
    EXPECT_EQ(r.raw, expected_start + "...[truncated, " + std::to_string(record_bytes) + " bytes]");
    ASSERT_EQ(parser.rows().size(), 1u);
    EXPECT_EQ(parser.rows()[0].line, 3u);
    EXPECT_EQ(parser.records_read(), 2u);
}

// The header (227 bytes) is a record too, so these limits stay above it.
TEST(Limits, RecordLongerThanTheLimit)
{
    ParserOptions options;
    options.max_record_bytes = 300;
    const std::string bad = record_with(kMjob, std::string(200, 'x'));
    ASSERT_EQ(bad.size(), 331u);
    const test::Outcome out = run_all_ways(kHeader + "\n" + kRecord + "\n" + bad + "\n" + kRecord + "\n", options);
    EXPECT_EQ(out.error, "");
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].line, 3u);
    EXPECT_EQ(out.rejects[0].reason, "record longer than 300 bytes");
    EXPECT_EQ(out.rejects[0].raw, bad);   // raw is still the whole record, up to max_raw_bytes
    ASSERT_EQ(out.rows.size(), 2u);
    EXPECT_EQ(out.rows[1].line, 4u);
}

TEST(Limits, RecordOfExactlyTheLimitIsAccepted)
{
    ParserOptions options;
    options.max_record_bytes = 300;
    // libcsv drops the spaces after an unquoted value: this is kRecord padded to 300 bytes.
    const std::string padded = record_with(kMjob, "at_home" + std::string(300 - 138, ' '));
    ASSERT_EQ(padded.size(), 300u);
    const test::Outcome out = run_all_ways(kHeader + "\n" + padded + "\r\n" + padded + "\n" + padded, options);
    ASSERT_EQ(out.rows.size(), 3u);
    EXPECT_EQ(test::values_of(out.rows[0]), test::kRecordValues);
    const test::Outcome over = run_all_ways(kHeader + "\n" + padded + " \n", options);
    ASSERT_EQ(over.rejects.size(), 1u);
    EXPECT_EQ(over.rejects[0].reason, "record longer than 300 bytes");
}

TEST(Limits, WhicheverProblemComesFirstInTheRecordWins)
{
    ParserOptions options;
    options.max_record_bytes = 300;
    // Bad quoting at byte 5, the length limit at byte 301: malformed quoting.
    const std::string early = record_with(kSchool, "\"GP\"x") + ";" + std::string(300, 'y');
    // Length limit first, bad quoting at byte 342: record longer.
    const std::string late = kRecord + ";" + std::string(200, 'y') + "\"";
    const test::Outcome out = run_all_ways(kHeader + "\n" + early + "\n" + late + "\n", options);
    ASSERT_EQ(out.rejects.size(), 2u);
    EXPECT_EQ(out.rejects[0].reason, "malformed quoting");
    EXPECT_EQ(out.rejects[1].reason, "record longer than 300 bytes");
}

TEST(Limits, AnOpenQuoteStopsAtItsLineEndNotAtTheRecordLimit)
{
    ParserOptions options;
    options.max_record_bytes = 300;
    // A quote opened in the last field and never closed used to swallow the following lines
    // until the record limit stopped it (here in line 4). Now its own line end stops it.
    std::string text = kHeader + "\n" + record_with(32, "\"6") + "\n";
    for (int i = 0; i < 7; ++i)
        text += kRecord + "\n";   // lines 3..9
    const test::Outcome out = run_all_ways(text, options);
    ASSERT_EQ(out.rejects.size(), 1u);
    EXPECT_EQ(out.rejects[0].line, 2u);
    EXPECT_EQ(out.rejects[0].reason, "unbalanced quote");
    EXPECT_EQ(out.rejects[0].raw, record_with(32, "\"6"));
    ASSERT_EQ(out.rows.size(), 7u);
    EXPECT_EQ(out.rows[0].line, 3u);
    EXPECT_EQ(out.rows[6].line, 9u);
}

// Output per input byte can be large: a line of 33 bytes with 33 empty fields is a reject
// with 33 issues, some 4.7 KB. feed_until() hands it on in slices of a chosen size.
TEST(Limits, OutputIsHandedOnOnceItReachesTheLimit)
{
    std::string kAllBad = "x";
    for (int c = 1; c < kColumnCount; ++c)
        kAllBad += ";x";
    std::string text = kHeader + "\n";
    for (int i = 0; i < 2000; ++i)
        // Every other kind: 33 bad fields (a reject with 33 issues), a short line.
        text += (i % 3 == 0 ? kRecord : i % 3 == 1 ? kAllBad : std::to_string(i) + ";x") + "\n";
    constexpr std::size_t kLimit = 64 * 1024;
    constexpr std::size_t kOneRecord = 40 * 1024;   // the most one record adds, with these options

    DeliveryParser parser;
    test::Outcome sliced;
    std::size_t calls = 0;
    for (std::size_t at = 0; at < text.size(); ++calls) {
        const std::size_t used = parser.feed_until(text.data() + at, text.size() - at, kLimit);
        ASSERT_GT(used, 0u);
        at += used;
        if (at < text.size()) {
            EXPECT_GE(parser.output_bytes(), kLimit);   // it stopped because of the limit
            EXPECT_EQ(text[at - 1], '\n');               // and at a line end
        }
        // Past the limit by at most one record and one doubling of an array.
        EXPECT_LT(parser.output_bytes(), 2 * kLimit + kOneRecord);
        test::drain(parser, sliced);
    }
    parser.finish();
    test::drain(parser, sliced);
    EXPECT_GT(calls, 50u);
    EXPECT_EQ(test::dump_of(sliced), run_parser(text).dump);
}

TEST(Limits, FeedUntilAlwaysMakesProgress)
{
    // A limit already reached: one segment a call, still the same outcome.
    const std::string text = kHeader + "\n" + kRecord + "\r\nx\r" + kRecord + "\n;;\n" + kRecord;
    DeliveryParser parser;
    test::Outcome sliced;
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t used = parser.feed_until(text.data() + at, text.size() - at, 0);
        ASSERT_GT(used, 0u);
        at += used;
    }
    parser.finish();
    test::drain(parser, sliced);
    EXPECT_EQ(test::dump_of(sliced), run_parser(text).dump);
    EXPECT_EQ(sliced.rows.size(), 3u);
}

}  // namespace
}  // namespace student_etl
