// The background-thread parser gives exactly what the direct parser gives, hands errors over
// after the batches before them, and stops cleanly when abandoned mid-file.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
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
        BackgroundParser bg(file.fd, ParserOptions{}, 1000, 1);
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

TEST(BackgroundParser, AQuoteOpenAtTheEndIsTheLastRejectNotAnError)
{
    // Good records, then a quote that never closes: once an error for the whole file, now
    // the last line's reject, after every row before it.
    std::string content = test::read_fixture("student-mat.csv");
    content += "\"GP;F\n";
    TempFile file(content);
    BackgroundParser bg(file.fd, ParserOptions{}, 4096, 2);
    const Collected got = drain(bg);
    EXPECT_EQ(got.rows.size(), 395u);
    ASSERT_EQ(got.rejects.size(), 1u);
    EXPECT_EQ(got.rejects[0].line, 397u);
    EXPECT_EQ(got.rejects[0].reason, "unbalanced quote");
    EXPECT_EQ(bg.records_read(), 396u);
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
        BackgroundParser bg(file.fd, ParserOptions{}, 512, 1);
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
