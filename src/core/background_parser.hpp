// A delivery parsed on a background thread while the caller consumes the results.
//
// The thread reads the file itself (pread on a descriptor it owns) and runs a DeliveryParser;
// the caller -- the PostgreSQL backend, which alone may call PostgreSQL -- takes batches of
// rows and rejects as they become ready, so parsing overlaps inserting. The queue is bounded,
// so memory stays flat whatever the file size. The thread blocks every signal: signals are
// the backend's business. Pure C++ and POSIX: no PostgreSQL headers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "delivery_parser.hpp"

namespace student_etl {

struct ParsedBatch {
    std::vector<ParsedRow> rows;
    std::vector<RejectedRow> rejects;
    std::uint64_t bytes_read = 0;   // file bytes parsed up to the end of this batch
};

class BackgroundParser {
public:
    // Reads from its own duplicate of fd (the caller keeps fd), from offset 0.
    BackgroundParser(int fd, const ParserOptions& options, std::size_t chunk_bytes = 256 * 1024,
                     std::size_t max_batches = 4);
    // Stops the thread (if still running) and waits for it.
    ~BackgroundParser();
    BackgroundParser(const BackgroundParser&) = delete;
    BackgroundParser& operator=(const BackgroundParser&) = delete;

    // The next batch, waiting at most `timeout`; nullptr if none is ready yet or the input is
    // exhausted (see done()). Once every earlier batch is handed out, rethrows what the thread
    // hit: a DeliveryError for a file that is not a delivery, or a read error.
    ParsedBatch* next(std::chrono::milliseconds timeout);
    // Gives a batch back for reuse.
    void release(ParsedBatch* batch) noexcept;
    // True when the whole file was parsed and every batch handed out.
    bool done() const noexcept;

    // Valid once done().
    std::uint64_t bytes_read() const noexcept;
    std::uint64_t records_read() const noexcept;
    std::uint64_t records_rejected() const noexcept;
    char delimiter() const noexcept;

private:
    void run() noexcept;
    ParsedBatch* take_free_batch();
    void publish(ParsedBatch* batch);

    int fd_;
    std::size_t chunk_bytes_;
    std::size_t max_batches_;
    DeliveryParser parser_;            // used by the thread only, read by the caller once done

    mutable std::mutex mutex_;
    std::condition_variable ready_;    // a batch was published, or the thread ended
    std::condition_variable space_;    // a batch was released, or stop was asked
    std::vector<std::unique_ptr<ParsedBatch>> batches_;   // owns every batch
    std::deque<ParsedBatch*> full_;
    std::vector<ParsedBatch*> free_;
    bool finished_ = false;            // thread ended (successfully or not)
    bool stop_ = false;
    std::exception_ptr error_;
    std::uint64_t bytes_ = 0;
    std::thread thread_;
};

}  // namespace student_etl
