// Streaming: the same bytes must give the same output whatever the chunking, including
// chunks that split a BOM, a CRLF, a quoted field or an escape.
#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"

namespace student_etl {
namespace {

using test::kHeader;
using test::kRecord;
using test::record_with;
using test::run_parser;

// Every awkward thing at once, one per line.
std::string mixed_file()
{
    return "\xEF\xBB\xBF"                                         // BOM
           "\r\n" +                                               // 1 blank
           kHeader + "\r\n" +                                     // 2 header
           kRecord + "\r\n"                                       // 3 row
           "\r\n" +                                               // 4 blank
           record_with(8, "\"at\r\nhome\"") + "\n" +              // 5 unbalanced quote, 6 malformed
           record_with(0, "\"GP\"x") + "\n" +                     // 7 malformed quoting
           record_with(2, "99") + "\r" + kRecord + "\n" +         // 8 reject, 9 a row after a lone CR
           "  \t \n" +                                            // 10 blank
           record_with(15, "\"J\xC3\xA3o\\\"") + "\n" +           // 11 reject with UTF-8 and backslash
           kRecord;                                               // 12 row, no line end
}

TEST(Streaming, MixedFileHasTheExpectedOutcome)
{
    const test::Outcome out = run_parser(mixed_file());
    EXPECT_EQ(out.error, "");
    EXPECT_EQ(out.delimiter, ';');
    ASSERT_EQ(out.rows.size(), 3u);
    EXPECT_EQ(out.rows[0].line, 3u);
    EXPECT_EQ(out.rows[1].line, 9u);
    EXPECT_EQ(out.rows[2].line, 12u);
    ASSERT_EQ(out.rejects.size(), 5u);
    EXPECT_EQ(out.rejects[0].line, 5u);
    EXPECT_EQ(out.rejects[0].reason, "unbalanced quote");
    EXPECT_EQ(out.rejects[1].line, 6u);
    EXPECT_EQ(out.rejects[1].reason, "malformed quoting");
    EXPECT_EQ(out.rejects[2].line, 7u);
    EXPECT_EQ(out.rejects[2].reason, "malformed quoting");
    EXPECT_EQ(out.rejects[3].line, 8u);
    EXPECT_EQ(out.rejects[3].reason, "column \"age\": 99 is out of range 15..22");
    EXPECT_EQ(out.rejects[4].line, 11u);
    EXPECT_EQ(out.rejects[4].reason, "column \"schoolsup\": \"J\xC3\xA3o\\\\\" is not yes or no");
    EXPECT_EQ(out.records_read, 8u);
    EXPECT_EQ(out.records_rejected, 5u);
}

TEST(Streaming, ByteByByteSevenBytesAndWholeAgree)
{
    const std::string text = mixed_file();
    const test::Outcome whole = run_parser(text);
    EXPECT_EQ(run_parser(text, 1).dump, whole.dump);
    EXPECT_EQ(run_parser(text, 7).dump, whole.dump);
    for (std::size_t chunk = 2; chunk <= 33; ++chunk)
        EXPECT_EQ(run_parser(text, chunk).dump, whole.dump) << "chunk size " << chunk;
}

TEST(Streaming, ErrorsDoNotDependOnChunking)
{
    const std::string cases[] = {
        "",
        "\n\n",
        "\xEF\xBB",
        std::string("\xFF\xFE", 2),
        std::string("school;\0", 8),
        "school\n",
        kHeader + ";foo\n",
        kHeader + "\n",
        "school;\"sex\r\n" + kRecord + "\r\n",
        "school;\"sex",
    };
    for (const std::string& text : cases) {
        const test::Outcome whole = run_parser(text);
        EXPECT_NE(whole.error, "") << text;
        for (std::size_t chunk : {1u, 2u, 3u, 7u})
            EXPECT_EQ(run_parser(text, chunk).dump, whole.dump) << "chunk " << chunk << " of: " << text;
    }
}

TEST(Streaming, OutputAccumulatesUntilCleared)
{
    const std::string text = kHeader + "\n" + kRecord + "\n" + record_with(2, "99") + "\n" + kRecord + "\n";
    DeliveryParser parser;
    parser.feed(text.data(), text.size());
    EXPECT_EQ(parser.rows().size(), 2u);
    EXPECT_EQ(parser.rejects().size(), 1u);
    parser.clear_output();
    EXPECT_TRUE(parser.rows().empty());
    EXPECT_TRUE(parser.rejects().empty());
    parser.finish();
    EXPECT_TRUE(parser.rows().empty());
    EXPECT_EQ(parser.records_read(), 3u);
    EXPECT_EQ(parser.records_rejected(), 1u);
}

TEST(Streaming, RecordsArePublishedAsSoonAsTheirLineEnds)
{
    DeliveryParser parser;
    const std::string head = kHeader + "\n" + kRecord;
    parser.feed(head.data(), head.size());
    EXPECT_TRUE(parser.rows().empty());   // could still continue
    parser.feed("\n", 1);
    ASSERT_EQ(parser.rows().size(), 1u);
    EXPECT_EQ(parser.rows()[0].line, 2u);
}

TEST(Streaming, EmptyFeedIsHarmless)
{
    DeliveryParser parser;
    parser.feed(nullptr, 0);
    parser.feed(kHeader.data(), 0);
    const std::string text = kHeader + "\n" + kRecord + "\n";
    parser.feed(text.data(), text.size());
    parser.feed(nullptr, 0);
    parser.finish();
    EXPECT_EQ(parser.rows().size(), 1u);
}

}  // namespace
}  // namespace student_etl
