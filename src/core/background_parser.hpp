// A delivery parsed on a background thread while the caller consumes the results.
//
// The thread reads the file itself (pread on a descriptor it owns) and runs a DeliveryParser;
// the caller -- the PostgreSQL backend, which alone may call PostgreSQL -- takes batches of
// rows and rejects as they become ready, so parsing overlaps inserting. The thread blocks
// every signal: signals are the backend's business. Pure C++ and POSIX: no PostgreSQL headers.
//
// Memory. Batches live on the C++ heap, outside PostgreSQL's memory contexts, so the queue is
// bounded in bytes (estimated as in heap_footprint.hpp), not in batches: a read chunk of
// short bad lines makes thousands of rejects, each with its strings, and four such batches
// once took a backend near 100 MB. With ParseQueueLimits `L` and ParserOptions `o`:
//   * batches queued or in the caller's hands: at most L.max_queued_bytes together
//     (peak_queued_bytes() tells the highest it reached); a batch that alone is larger goes
//     only when nothing else is out, which needs L.batch_bytes above about half of it;
//   * the one batch the thread is filling: cut at the first line end where it holds
//     L.batch_bytes, so it exceeds that by one record's output (under 40 KiB with the
//     default ParserOptions: 33 values at their cap, the raw record at its cap) and one
//     doubling of a vector's array -- under 3 * L.batch_bytes + 40 KiB even while that array
//     is being copied;
//   * the read buffer (chunk_bytes) and libcsv's field buffer (about o.max_field_bytes).
// With the defaults (1 MiB, 4 MiB, 256 KiB chunks) that is under 7.5 MiB, whatever the file.
// Besides, the parser's DeliveryQuality remembers each distinct record of the delivery as 8
// bytes of a hash table: 16 KiB for a real delivery of hundreds, at most 16 MiB (24 MiB while
// the table doubles) with the default o.max_distinct_records of 2^20 (delivery_quality.hpp).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "delivery_parser.hpp"
#include "sha256.hpp"
#include "student_metrics.hpp"

namespace student_etl {

struct ParsedBatch {
    std::vector<ParsedRow> rows;
    std::vector<RejectedRow> rejects;
    std::uint64_t bytes_read = 0;   // file bytes parsed up to the end of this batch
    std::size_t heap_bytes = 0;     // what it holds on the heap, itself included (estimate)
};

struct ParseQueueLimits {
    std::size_t batch_bytes = std::size_t{1} << 20;        // a batch is handed on once it holds this
    std::size_t max_queued_bytes = std::size_t{4} << 20;   // batches queued + in the caller's hands
};

class BackgroundParser {
public:
    // Reads from its own duplicate of fd (the caller keeps fd), from offset 0. With
    // `aggregates`, every row is also added to it, on the thread (work taken off the caller,
    // which is the slower side); with `digest`, every byte read is hashed into it, on the
    // thread too. Read either only once done().
    BackgroundParser(int fd, const ParserOptions& options, std::size_t chunk_bytes = 256 * 1024,
                     const ParseQueueLimits& limits = ParseQueueLimits{}, RunAggregates* aggregates = nullptr,
                     Sha256* digest = nullptr);
    // Stops the thread (if still running) and waits for it.
    ~BackgroundParser();
    BackgroundParser(const BackgroundParser&) = delete;
    BackgroundParser& operator=(const BackgroundParser&) = delete;

    // The next batch, waiting at most `timeout`; nullptr if none is ready yet or the input is
    // exhausted (see done()). Once every earlier batch is handed out, rethrows what the thread
    // hit: a DeliveryError for a file that is not a delivery, or a read error.
    ParsedBatch* next(std::chrono::milliseconds timeout);
    // Gives a batch back: its memory is freed and its bytes leave the queue's count.
    void release(ParsedBatch* batch) noexcept;
    // True when the whole file was parsed and every batch handed out.
    bool done() const noexcept;

    // The most heap bytes that batches queued or in the caller's hands ever held at once
    // (estimate, see heap_footprint.hpp): for tests and diagnostics.
    std::size_t peak_queued_bytes() const noexcept;

    // Valid once done().
    std::uint64_t bytes_read() const noexcept;
    std::uint64_t records_read() const noexcept;
    std::uint64_t records_rejected() const noexcept;
    char delimiter() const noexcept;
    const DeliveryQuality& quality() const noexcept;

private:
    void run() noexcept;
    bool hand_on(std::uint64_t bytes_read);
    ParsedBatch* spare_batch();

    int fd_;
    std::size_t chunk_bytes_;
    ParseQueueLimits limits_;
    DeliveryParser parser_;            // used by the thread only, read by the caller once done
    RunAggregates* aggregates_;        // likewise; may be null
    Sha256* digest_;                   // likewise; may be null

    mutable std::mutex mutex_;
    std::condition_variable ready_;    // a batch was published, or the thread ended
    std::condition_variable space_;    // a batch was released, or stop was asked
    std::vector<std::unique_ptr<ParsedBatch>> batches_;   // owns every batch, reused
    std::deque<ParsedBatch*> full_;
    std::vector<ParsedBatch*> free_;
    std::size_t queued_bytes_ = 0;     // heap_bytes of the batches queued or handed out
    std::size_t peak_queued_bytes_ = 0;
    bool finished_ = false;            // thread ended (successfully or not)
    bool stop_ = false;
    std::exception_ptr error_;
    std::uint64_t bytes_ = 0;
    std::thread thread_;
};

}  // namespace student_etl
