// The background-thread parser gives exactly what the direct parser gives, hands errors over
// after the batches before them, and stops cleanly when abandoned mid-file.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "background_parser.hpp"
#include "test_support.hpp"

namespace student_etl {
namespace {

using namespace std::chrono_literals;

// A temporary file holding `content`; the file is unlinked at once, the descriptor is closed
// when the holder goes.
struct TempFile {
    int fd;
    explicit TempFile(const std::string& content);
    ~TempFile() { close(fd); }
};

int count_open_fds()
{
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd)
        n += fcntl(fd, F_GETFD) != -1;
    return n;
}

int open_temp(const std::string& content)
{
    char name[] = "/tmp/student_etl_bg_XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    unlink(name);
    return fd;
}

TempFile::TempFile(const std::string& content) : fd(open_temp(content)) {}

struct Collected {
    std::vector<ParsedRow> rows;
    std::vector<RejectedRow> rejects;
};

Collected drain(BackgroundParser& bg)
{
    Collected out;
    while (!bg.done()) {
        ParsedBatch* b = bg.next(50ms);
        if (b == nullptr)
            continue;
        out.rows.insert(out.rows.end(), b->rows.begin(), b->rows.end());
        out.rejects.insert(out.rejects.end(), b->rejects.begin(), b->rejects.end());
        bg.release(b);
    }
    return out;
}

TEST(BackgroundParser, SameResultAsTheDirectParser)
{
    for (const char* fixture : {"student-mat.csv", "student-mat-variant.csv", "student-mat-badrows.csv"}) {
        const std::string content = test::read_fixture(fixture);
        DeliveryParser direct;
        direct.feed(content.data(), content.size());
        direct.finish();

        // Small chunks and a short queue make the threads hand over many times.
        TempFile file(content);
        BackgroundParser bg(file.fd, ParserOptions{}, 1000, ParseQueueLimits{4096, 8192});
        Collected got = drain(bg);
        ASSERT_EQ(got.rows.size(), direct.rows().size()) << fixture;
        for (std::size_t i = 0; i < got.rows.size(); ++i) {
            EXPECT_EQ(got.rows[i].line, direct.rows()[i].line);
            EXPECT_EQ(0, std::memcmp(got.rows[i].value, direct.rows()[i].value, sizeof got.rows[i].value));
        }
        ASSERT_EQ(got.rejects.size(), direct.rejects().size()) << fixture;
        for (std::size_t i = 0; i < got.rejects.size(); ++i) {
            EXPECT_EQ(got.rejects[i].line, direct.rejects()[i].line);
            EXPECT_EQ(got.rejects[i].reason, direct.rejects()[i].reason);
        }
        EXPECT_EQ(bg.records_read(), direct.records_read());
        EXPECT_EQ(bg.records_rejected(), direct.records_rejected());
        EXPECT_EQ(bg.bytes_read(), content.size());
        EXPECT_EQ(bg.delimiter(), direct.delimiter());
    }
}

// The checksum hashed on the thread from the chunks it parses is the file's SHA-256
// (sha256sum of test/data/student-mat.csv), whatever the chunk size.
TEST(BackgroundParser, DigestOnTheThreadIsTheFilesSha256)
{
    TempFile file(test::read_fixture("student-mat.csv"));
    for (std::size_t chunk : {std::size_t{1000}, std::size_t{4096}, std::size_t{256 * 1024}}) {
        Sha256 digest;
        BackgroundParser bg(file.fd, ParserOptions{}, chunk, ParseQueueLimits{}, nullptr, &digest);
        drain(bg);
        EXPECT_EQ(digest.hex(), "e47f9ee225e1ee6e69b7564e6dac7123e80b8486677fe111f351964cef5dec80") << chunk;
    }
    Sha256 abc;   // FIPS 180-2's first example
    abc.update("abc", 3);
    EXPECT_EQ(abc.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The run's metrics summed on the thread equal those summed over the rows handed out.
TEST(BackgroundParser, AggregatesOnTheThreadEqualThoseOfTheRows)
{
    const std::string content = test::read_fixture("student-mat-badrows.csv") + test::read_fixture("student-mat.csv");
    TempFile file(content);
    RunAggregates on_thread;
    BackgroundParser bg(file.fd, ParserOptions{}, 1000, ParseQueueLimits{4096, 8192}, &on_thread);
    Collected got = drain(bg);
    ASSERT_GT(got.rows.size(), 395u);
    RunAggregates by_hand;
    for (const ParsedRow& row : got.rows)
        by_hand.add(row);
    const std::vector<FacetCell> a = on_thread.cells(), b = by_hand.cells();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_STREQ(a[i].facet, b[i].facet);
        for (int k = 0; k < 3; ++k)
            EXPECT_STREQ(a[i].key[k], b[i].key[k]);
        EXPECT_EQ(0, std::memcmp(&a[i].sums, &b[i].sums, sizeof a[i].sums)) << a[i].facet;
    }
}

TEST(BackgroundParser, AQuoteOpenAtTheEndIsTheLastRejectNotAnError)
{
    // Good records, then a quote that never closes: once an error for the whole file, now
    // the last line's reject, after every row before it.
    std::string content = test::read_fixture("student-mat.csv");
    content += "\"GP;F\n";
    TempFile file(content);
    BackgroundParser bg(file.fd, ParserOptions{}, 4096);
    const Collected got = drain(bg);
    EXPECT_EQ(got.rows.size(), 395u);
    ASSERT_EQ(got.rejects.size(), 1u);
    EXPECT_EQ(got.rejects[0].line, 397u);
    EXPECT_EQ(got.rejects[0].reason, "unbalanced quote");
    EXPECT_EQ(bg.records_read(), 396u);
}

// The most one record adds to a batch with the default ParserOptions (33 bad fields, each
// value at its cap, and a raw record at its cap): see background_parser.hpp.
constexpr std::size_t kOneRecord = 40 * 1024;

// 200,000 short bad lines (about 2.2 MB): some 60 MB of rejects if nothing bounded them.
std::string short_bad_lines()
{
    std::string text = test::kHeader + "\n";
    for (int i = 0; i < 200000; ++i)
        text += std::to_string(i) + ";bad\n";
    return text;
}

// What a slow consumer saw: every reject's line in order, and the largest batch.
struct SlowDrain {
    std::uint64_t rows = 0, rejects = 0, batches = 0;
    std::size_t largest_batch = 0;
    bool lines_in_order = true;
};

SlowDrain drain_slowly(BackgroundParser& bg, std::chrono::microseconds pause)
{
    SlowDrain out;
    std::uint64_t next_line = 2;
    while (!bg.done()) {
        ParsedBatch* b = bg.next(50ms);
        if (b == nullptr)
            continue;
        std::this_thread::sleep_for(pause);   // the backend inserting
        ++out.batches;
        out.largest_batch = std::max(out.largest_batch, b->heap_bytes);
        out.rows += b->rows.size();
        for (const RejectedRow& r : b->rejects)
            out.lines_in_order = out.lines_in_order && r.line == next_line++;
        out.rejects += b->rejects.size();
        bg.release(b);
    }
    return out;
}

TEST(BackgroundParser, QueueStaysWithinItsBytesWhateverTheFileHolds)
{
    TempFile file(short_bad_lines());
    const ParseQueueLimits limits;   // the defaults: 1 MiB batches, 4 MiB queued
    BackgroundParser bg(file.fd, ParserOptions{}, 256 * 1024, limits);
    // The backend falls behind at once: nothing is taken until the queue holds half its
    // limit, whatever the speed of this build (sanitizers slow the parser down).
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    while (bg.peak_queued_bytes() < limits.max_queued_bytes / 2 && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(1ms);
    const SlowDrain got = drain_slowly(bg, 2ms);
    EXPECT_EQ(got.rows, 0u);
    EXPECT_EQ(got.rejects, 200000u);
    EXPECT_TRUE(got.lines_in_order);
    EXPECT_EQ(bg.records_read(), 200000u);
    EXPECT_EQ(bg.records_rejected(), 200000u);
    EXPECT_LE(bg.peak_queued_bytes(), limits.max_queued_bytes);
    EXPECT_GE(bg.peak_queued_bytes(), limits.max_queued_bytes / 2);   // the queue did fill
    EXPECT_LE(got.largest_batch, 2 * limits.batch_bytes + kOneRecord);
    EXPECT_GT(got.batches, 40u);   // some 60 MB of rejects went through in slices
}

TEST(BackgroundParser, SmallLimitsCutBatchesInTheMiddleOfAChunk)
{
    const std::string content = short_bad_lines();
    TempFile file(content);
    const ParseQueueLimits limits{64 * 1024, 256 * 1024};
    const std::size_t chunk = 256 * 1024;
    BackgroundParser bg(file.fd, ParserOptions{}, chunk, limits);
    const SlowDrain got = drain_slowly(bg, 200us);
    EXPECT_EQ(got.rejects, 200000u);
    EXPECT_TRUE(got.lines_in_order);
    EXPECT_LE(bg.peak_queued_bytes(), limits.max_queued_bytes);
    EXPECT_LE(got.largest_batch, 2 * limits.batch_bytes + kOneRecord);
    EXPECT_GT(got.batches, 10 * (content.size() / chunk + 1));
    EXPECT_EQ(bg.bytes_read(), content.size());
}

TEST(BackgroundParser, ABatchLargerThanTheQueueStillGoesAlone)
{
    // One record a batch, a queue smaller than any batch: they go one at a time.
    const std::string content = test::read_fixture("student-mat-badrows.csv");
    TempFile file(content);
    BackgroundParser bg(file.fd, ParserOptions{}, 256, ParseQueueLimits{1, 1});
    const Collected got = drain(bg);
    EXPECT_EQ(got.rows.size() + got.rejects.size(), bg.records_read());
    EXPECT_EQ(got.rejects.size(), 8u);
    EXPECT_GT(bg.peak_queued_bytes(), 1u);
    EXPECT_LT(bg.peak_queued_bytes(), 64 * 1024u);
}

TEST(BackgroundParser, FileLevelErrorIsRethrown)
{
    TempFile file("");
    BackgroundParser bg(file.fd, ParserOptions{});
    EXPECT_THROW(
        {
            while (!bg.done())
                bg.next(50ms);
        },
        DeliveryError);
}

TEST(BackgroundParser, AbandonedMidFileStopsAndClosesItsDescriptor)
{
    TempFile file(test::read_fixture("student-mat.csv"));
    const int before = count_open_fds();
    {
        BackgroundParser bg(file.fd, ParserOptions{}, 512, ParseQueueLimits{1, 1});   // a record a batch
        EXPECT_EQ(count_open_fds(), before + 1);
        ParsedBatch* b = nullptr;
        while (b == nullptr)
            b = bg.next(50ms);
        EXPECT_FALSE(b->rows.empty());
        // Not released, not drained: the thread is blocked on a full queue when we leave.
    }
    EXPECT_EQ(count_open_fds(), before);
}

}  // namespace
}  // namespace student_etl
