// See background_parser.hpp.
#include "background_parser.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace student_etl {

BackgroundParser::BackgroundParser(int fd, const ParserOptions& options, std::size_t chunk_bytes,
                                   std::size_t max_batches)
    : fd_(::dup(fd)), chunk_bytes_(chunk_bytes), max_batches_(max_batches), parser_(options)
{
    if (fd_ < 0)
        throw std::runtime_error(std::string("could not duplicate the delivery's descriptor: ") + std::strerror(errno));
    try {
        // Batches: max_batches queued plus one in the caller's hands plus one being filled.
        for (std::size_t i = 0; i < max_batches_ + 2; ++i) {
            batches_.push_back(std::make_unique<ParsedBatch>());
            free_.push_back(batches_.back().get());
        }
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

ParsedBatch* BackgroundParser::take_free_batch()
{
    std::unique_lock<std::mutex> lock(mutex_);
    space_.wait(lock, [this] { return stop_ || (!free_.empty() && full_.size() < max_batches_); });
    if (stop_)
        return nullptr;
    ParsedBatch* batch = free_.back();
    free_.pop_back();
    return batch;
}

void BackgroundParser::publish(ParsedBatch* batch)
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        full_.push_back(batch);
    }
    ready_.notify_one();
}

void BackgroundParser::run() noexcept
{
    std::exception_ptr error;
    try {
        std::vector<char> buf(chunk_bytes_);
        std::uint64_t offset = 0;
        bool at_end = false;
        while (!at_end) {
            ssize_t n = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(offset));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                throw std::runtime_error(std::string("could not read the delivery: ") + std::strerror(errno));
            }
            at_end = n == 0;
            offset += static_cast<std::uint64_t>(n);
            if (at_end)
                parser_.finish();
            else
                parser_.feed(buf.data(), static_cast<std::size_t>(n));
            if (parser_.rows().empty() && parser_.rejects().empty() && !at_end)
                continue;
            ParsedBatch* batch = take_free_batch();
            if (batch == nullptr)
                return;   // stopped: nobody wants the rest
            batch->rows.swap(parser_.rows());
            batch->rejects.swap(parser_.rejects());
            batch->bytes_read = offset;
            parser_.clear_output();
            publish(batch);
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
    batch->rows.clear();
    batch->rejects.clear();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(batch);
    }
    space_.notify_one();
}

bool BackgroundParser::done() const noexcept
{
    std::lock_guard<std::mutex> lock(mutex_);
    return finished_ && !error_ && full_.empty();
}

std::uint64_t BackgroundParser::bytes_read() const noexcept
{
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
}

std::uint64_t BackgroundParser::records_read() const noexcept { return parser_.records_read(); }
std::uint64_t BackgroundParser::records_rejected() const noexcept { return parser_.records_rejected(); }
char BackgroundParser::delimiter() const noexcept { return parser_.delimiter(); }

}  // namespace student_etl
