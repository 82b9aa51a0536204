// See background_parser.hpp.
#include "background_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace student_etl {

BackgroundParser::BackgroundParser(int fd, const ParserOptions& options, std::size_t chunk_bytes,
                                   const ParseQueueLimits& limits, RunAggregates* aggregates, Sha256* digest)
    : fd_(::dup(fd)), chunk_bytes_(chunk_bytes), limits_(limits), parser_(options), aggregates_(aggregates),
      digest_(digest)
{
    if (fd_ < 0)
        throw std::runtime_error(std::string("could not duplicate the delivery's descriptor: ") + std::strerror(errno));
    try {
        // The new thread inherits the signal mask: block everything around its creation so
        // that every signal keeps going to the backend's own thread.
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        try {
            thread_ = std::thread([this] { run(); });
        } catch (...) {
            pthread_sigmask(SIG_SETMASK, &old, nullptr);
            throw;
        }
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
    } catch (...) {
        ::close(fd_);
        throw;
    }
}

BackgroundParser::~BackgroundParser()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    space_.notify_all();
    if (thread_.joinable())
        thread_.join();
    ::close(fd_);
}

// A batch object to fill: a released one, else a new one. Called with mutex_ held. There are
// never more than were out (queued or handed out) at once, plus one.
ParsedBatch* BackgroundParser::spare_batch()
{
    if (free_.empty()) {
        batches_.push_back(std::make_unique<ParsedBatch>());
        return batches_.back().get();
    }
    ParsedBatch* batch = free_.back();
    free_.pop_back();
    return batch;
}

// Hands the parser's output on as one batch, once the queue has room for it (or nothing else
// is out, so that a batch larger than the limit still goes). False when asked to stop.
bool BackgroundParser::hand_on(std::uint64_t bytes_read)
{
    if (parser_.rows().empty() && parser_.rejects().empty())
        return true;
    if (aggregates_ != nullptr)
        for (const ParsedRow& row : parser_.rows())
            aggregates_->add(row);
    const std::size_t bytes = sizeof(ParsedBatch) + parser_.output_bytes();
    {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [&] {
            return stop_ || queued_bytes_ == 0 || queued_bytes_ + bytes <= limits_.max_queued_bytes;
        });
        if (stop_)
            return false;
        ParsedBatch* batch = spare_batch();
        // Moved, not copied or swapped: the parser starts the next batch with empty arrays,
        // and a released batch keeps no memory that the count no longer sees.
        batch->rows = std::move(parser_.rows());
        batch->rejects = std::move(parser_.rejects());
        parser_.clear_output();
        batch->bytes_read = bytes_read;
        batch->heap_bytes = bytes;
        queued_bytes_ += bytes;
        peak_queued_bytes_ = std::max(peak_queued_bytes_, queued_bytes_);
        full_.push_back(batch);
    }
    ready_.notify_one();
    return true;
}

void BackgroundParser::run() noexcept
{
    std::exception_ptr error;
    try {
        // Read once, front to back: let the kernel read further ahead of us (it matters when
        // the file is not in the page cache any more; advice only, so a refusal is ignored).
        (void) ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
        std::vector<char> buf(chunk_bytes_);
        std::uint64_t offset = 0;
        for (;;) {
            const ssize_t n = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(offset));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                throw std::runtime_error(std::string("could not read the delivery: ") + std::strerror(errno));
            }
            if (n == 0) {
                parser_.finish();
                if (!hand_on(offset))
                    return;   // stopped: nobody wants the rest
                break;
            }
            // A batch goes as soon as it holds batch_bytes, even in the middle of the chunk,
            // and in any case at the chunk's end, so that the caller can start inserting.
            const auto len = static_cast<std::size_t>(n);
            if (digest_ != nullptr)
                digest_->update(buf.data(), len);
            for (std::size_t used = 0; used < len;) {
                used += parser_.feed_until(buf.data() + used, len - used, limits_.batch_bytes);
                if (!hand_on(offset + used))
                    return;
            }
            offset += len;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        bytes_ = offset;
    } catch (...) {
        error = std::current_exception();
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = error;
        finished_ = true;
    }
    ready_.notify_all();
}

ParsedBatch* BackgroundParser::next(std::chrono::milliseconds timeout)
{
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, timeout, [this] { return !full_.empty() || finished_; });
    if (!full_.empty()) {
        ParsedBatch* batch = full_.front();
        full_.pop_front();
        return batch;
    }
    if (finished_ && error_)
        std::rethrow_exception(error_);
    return nullptr;
}

void BackgroundParser::release(ParsedBatch* batch) noexcept
{
    // Freed before the count drops, outside the lock (thousands of strings, maybe).
    std::vector<ParsedRow>().swap(batch->rows);
    std::vector<RejectedRow>().swap(batch->rejects);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queued_bytes_ -= batch->heap_bytes;
        batch->heap_bytes = 0;
        free_.push_back(batch);
    }
    space_.notify_one();
}

bool BackgroundParser::done() const noexcept
{
    std::lock_guard<std::mutex> lock(mutex_);
    return finished_ && !error_ && full_.empty();
}

std::size_t BackgroundParser::peak_queued_bytes() const noexcept
{
    std::lock_guard<std::mutex> lock(mutex_);
    return peak_queued_bytes_;
}

std::uint64_t BackgroundParser::bytes_read() const noexcept
{
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
}

std::uint64_t BackgroundParser::records_read() const noexcept { return parser_.records_read(); }
std::uint64_t BackgroundParser::records_rejected() const noexcept { return parser_.records_rejected(); }
char BackgroundParser::delimiter() const noexcept { return parser_.delimiter(); }
const DeliveryQuality& BackgroundParser::quality() const noexcept { return parser_.quality(); }

}  // namespace student_etl
