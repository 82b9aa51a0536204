// The heap estimate that bounds the parse queue: counts what is really allocated, kept up to
// date as the parser's output grows, and agrees with the allocator's own count.
#include <gtest/gtest.h>

#include <malloc.h>

#include <string>

#include "heap_footprint.hpp"
#include "test_support.hpp"

namespace student_etl {
namespace {

using test::kHeader;
using test::kRecord;

// Bad lines of three kinds: few bytes and one issue, 33 empty fields (33 issues), a long
// value (strings on the heap); and good rows between them.
std::string mixed_bad_lines(int count)
{
    std::string text = kHeader + "\n";
    for (int i = 0; i < count; ++i) {
        switch (i % 4) {
        case 0: text += std::to_string(i) + ";bad\n"; break;
        case 1: text += std::string(32, ';') + "\n"; break;
        case 2: text += test::record_with(0, std::string(300, 'x')) + "\n"; break;
        case 3: text += kRecord + "\n"; break;
        }
    }
    return text;
}

TEST(HeapFootprint, ShortStringsLiveInsideTheObject)
{
    EXPECT_EQ(heap_bytes(std::string()), 0u);
    EXPECT_EQ(heap_bytes(std::string("short")), 0u);
    const std::string long_text(100, 'x');
    EXPECT_EQ(heap_bytes(long_text), long_text.capacity() + 1 + kHeapBlockOverhead);
}

TEST(HeapFootprint, VectorsCountTheirCapacity)
{
    std::vector<ParsedRow> rows;
    EXPECT_EQ(heap_bytes(rows), 0u);
    rows.reserve(10);
    rows.resize(3);
    EXPECT_EQ(heap_bytes(rows), 10 * sizeof(ParsedRow) + kHeapBlockOverhead);
}

TEST(HeapFootprint, ARejectOwnsItsStringsAndIssues)
{
    RejectedRow r{2, std::string(40, 'r'), std::string(50, 'w'), {}};
    r.issues.push_back(RejectIssue{0, RejectRule::UnknownCode, std::string(60, 'v')});
    r.issues.push_back(RejectIssue{1, RejectRule::EmptyValue, ""});
    EXPECT_EQ(owned_heap_bytes(r), heap_bytes(r.reason) + heap_bytes(r.raw) + heap_bytes(r.issues) +
                                       heap_bytes(r.issues[0].value));
    EXPECT_GT(owned_heap_bytes(r), 150u);
}

TEST(HeapFootprint, TheLargestRejectStaysUnder40KiB)
{
    // Every one of the 33 fields bad and long, in bytes that print four times as long: the
    // issues' values and the raw record reach their caps (background_parser.hpp relies on it).
    std::string record;
    for (int c = 0; c < kColumnCount; ++c)
        record += (c ? ";\"" : "\"") + std::string(4096, '\x01') + "\"";
    const test::Outcome out = test::run_parser(kHeader + "\n" + record + "\n");
    ASSERT_EQ(out.rejects.size(), 1u);
    ASSERT_EQ(out.rejects[0].issues.size(), 33u);
    EXPECT_LT(sizeof(RejectedRow) + owned_heap_bytes(out.rejects[0]), 40u * 1024);
}

TEST(HeapFootprint, TheParsersRunningCountEqualsARecount)
{
    const std::string text = mixed_bad_lines(2000);
    DeliveryParser parser;
    EXPECT_EQ(parser.output_bytes(), 0u);
    for (std::size_t at = 0; at < text.size(); at += 7000) {
        parser.feed(text.data() + at, std::min<std::size_t>(7000, text.size() - at));
        EXPECT_EQ(parser.output_bytes(), heap_bytes(parser.rows(), parser.rejects()));
        if (at % 21000 == 0)
            parser.clear_output();   // keeps the arrays' capacity, drops every reject's strings
        EXPECT_EQ(parser.output_bytes(), heap_bytes(parser.rows(), parser.rejects()));
    }
    parser.finish();
    EXPECT_EQ(parser.output_bytes(), heap_bytes(parser.rows(), parser.rejects()));
}

TEST(HeapFootprint, TheEstimateIsWhatTheAllocatorHandsOut)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const auto in_use = [] {
        const struct mallinfo2 info = mallinfo2();
        return info.uordblks + info.hblkhd;   // small blocks + large (mmapped) ones
    };
    const std::string text = mixed_bad_lines(8000);
    DeliveryParser parser;
    parser.feed(kHeader.data(), kHeader.size());   // libcsv's buffers are set up first
    parser.feed("\n", 1);
    const std::size_t before = in_use();
    parser.feed(text.data() + kHeader.size() + 1, text.size() - kHeader.size() - 1);
    const std::size_t grown = in_use() - before;
    if (grown == 0)
        GTEST_SKIP() << "mallinfo2() does not see this allocator (sanitizer build?)";
    const double ratio = static_cast<double>(parser.output_bytes()) / static_cast<double>(grown);
    EXPECT_GT(ratio, 0.95) << parser.output_bytes() << " estimated, " << grown << " allocated";
    EXPECT_LT(ratio, 1.05) << parser.output_bytes() << " estimated, " << grown << " allocated";
#else
    GTEST_SKIP() << "needs glibc's mallinfo2()";
#endif
}

}  // namespace
}  // namespace student_etl
