// Exception safety: make the N-th allocation fail, for every N the parser performs, and check
// that the failure comes out as std::bad_alloc (also from inside libcsv's callbacks, where it
// must not unwind through C frames), sticks, and leaks nothing (run under ASan).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>

#include "test_support.hpp"

namespace {

// Allocations left before one fails; negative: never fail. Only set around parser calls.
thread_local long t_allocations_left = -1;

void* counted_alloc(std::size_t size)
{
    if (t_allocations_left == 0)
        throw std::bad_alloc();
    if (t_allocations_left > 0)
        --t_allocations_left;
    if (void* p = std::malloc(size ? size : 1))
        return p;
    throw std::bad_alloc();
}

}  // namespace

// Replacing the global forms replaces them for the whole test binary; with the counter
// negative they behave like the defaults.
void* operator new(std::size_t size)
{
    return counted_alloc(size);
}
void* operator new[](std::size_t size)
{
    return counted_alloc(size);
}
void operator delete(void* p) noexcept
{
    std::free(p);
}
void operator delete[](void* p) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept
{
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept
{
    std::free(p);
}

namespace student_etl {
namespace {

using test::kHeader;
using test::kRecord;
using test::record_with;

struct FailAfter {
    explicit FailAfter(long n) { t_allocations_left = n; }
    ~FailAfter() { t_allocations_left = -1; }
};

// Collects the parser's output with the countdown paused: only the parser may fail.
void drain_unlimited(DeliveryParser& parser, test::Outcome& out)
{
    const long left = t_allocations_left;
    t_allocations_left = -1;
    test::drain(parser, out);
    t_allocations_left = left;
}

TEST(ExceptionSafety, EveryAllocationFailureIsABadAllocAndSticks)
{
    const std::string text = kHeader + "\n" + kRecord + "\n" + record_with(0, "\"XX\"") + "\n" +
                              record_with(2, "\"GP\"x") + "\n" + kRecord + ";1\n" + kRecord + "\n";
    const std::string expected = test::run_parser(text).dump;
    bool completed = false;
    long failures = 0;
    for (long n = 0; n < 10000 && !completed; ++n) {
        test::Outcome out;
        bool failed = false;
        try {
            FailAfter limit(n);
            DeliveryParser parser;
            try {
                for (std::size_t at = 0; at < text.size(); at += 16) {
                    parser.feed(text.data() + at, std::min<std::size_t>(16, text.size() - at));
                    drain_unlimited(parser, out);
                }
                parser.finish();
                drain_unlimited(parser, out);
            } catch (const std::bad_alloc&) {
                failed = true;
                t_allocations_left = -1;
                EXPECT_THROW(parser.feed("x", 1), std::bad_alloc) << n;   // sticky
                EXPECT_THROW(parser.finish(), std::bad_alloc) << n;
            }
        } catch (const std::bad_alloc&) {
            failed = true;   // constructing the parser failed
        }
        failures += failed;
        if (!failed) {
            completed = true;
            out.dump = test::dump_of(out);
            EXPECT_EQ(out.dump, expected) << n;
        }
    }
    EXPECT_TRUE(completed);
    // Header names, reasons, raw texts, output vectors: well over a dozen allocation points.
    EXPECT_GT(failures, 12) << failures;
}

}  // namespace
}  // namespace student_etl
