// Streaming parser for one delivery: bytes -> physical lines -> libcsv -> typed rows / rejects.
//
// Stages, in the order bytes meet them:
//   1. BOM gate: the first 3 bytes wait until a byte-order mark can be recognised.
//   2. Header: bytes are collected (capped) until the header record ends, because the
//      delimiter has to be known before libcsv sees anything.
//   3. Data: libcsv gets one *segment* at a time, a segment ending at the first CR or LF.
//      libcsv ends a record only at an unquoted CR or LF, so a record can only end on the
//      last byte of a segment. That is what lets us count physical lines, know where each
//      record starts, and keep its raw bytes, although libcsv reports no positions.
//      The common case -- a whole record on one line, its fields unquoted or simply quoted --
//      is split without it (line_split.hpp, exactly as libcsv would split it): libcsv's
//      byte-at-a-time state machine was the parse thread's largest cost.
// Every line end ends a record: no field of this data set can hold a line break, so a quote
// still open at a line end is unbalanced -- that line is rejected and the next one starts a
// fresh record. A stray quote therefore costs one line, not every line up to the next quote.
// A broken record (bad quoting, a field or the record too long) drops libcsv's state and
// skips to the next line end, so one bad record never takes the rest of the file with it.
//
// Line numbers count line ends: LF, CRLF (one line end) and a lone CR (old Mac files; libcsv
// ends an unquoted record there too). So no two records ever start on the same line number.
//
// Here: the record reader (BOM gate, header collection, segments, libcsv glue, rejects).
// Elsewhere: header_binding.* (header quoting/delimiter scan, names -> columns),
// line_split.* (plain lines), field_values.* (one field against its column's domain),
// printable.* (safe text).
#include "delivery_parser.hpp"
#include "field_values.hpp"
#include "header_binding.hpp"
#include "heap_footprint.hpp"
#include "line_split.hpp"
#include "printable.hpp"

#include <csv.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace student_etl {

namespace {

constexpr std::size_t kBomProbe = 3;          // longest BOM we strip (UTF-8) or recognise
constexpr std::size_t kFieldSlack = 64;       // libcsv's buffer also holds a closing quote and spaces
constexpr unsigned char kCsvOptions = CSV_STRICT | CSV_STRICT_FINI;
constexpr std::size_t kNoOutputLimit = std::numeric_limits<std::size_t>::max();

// libcsv's realloc hook gets no user pointer, so the cap of the parser that is inside
// csv_parse() right now travels in a thread-local, set by FieldCapScope around each call.
thread_local std::size_t t_field_cap = std::numeric_limits<std::size_t>::max();
thread_local bool t_system_out_of_memory = false;

class FieldCapScope {
public:
    explicit FieldCapScope(std::size_t cap) noexcept
        : saved_cap_(t_field_cap), saved_oom_(t_system_out_of_memory)
    {
        t_field_cap = cap;
        t_system_out_of_memory = false;
    }
    ~FieldCapScope()
    {
        t_field_cap = saved_cap_;
        t_system_out_of_memory = saved_oom_;
    }
    FieldCapScope(const FieldCapScope&) = delete;
    FieldCapScope& operator=(const FieldCapScope&) = delete;
    // True when a refusal came from the system allocator, not from the cap.
    bool system_out_of_memory() const noexcept { return t_system_out_of_memory; }

private:
    std::size_t saved_cap_;
    bool saved_oom_;
};

enum class Phase : std::uint8_t { Bom, Header, Data, Done };

struct Parser;

}  // namespace

// libcsv is C: hand it functions with C language linkage (internal, so no name clashes).
extern "C" {
static void student_etl_csv_field(void* data, std::size_t len, void* self);
static void student_etl_csv_record(int terminator, void* self);
static void* student_etl_csv_realloc(void* block, std::size_t size);
}

namespace {

// All state of one DeliveryParser. Members are public: this type never leaves this file.
struct Parser {
    explicit Parser(const ParserOptions& options) : opt(options) {}
    ~Parser() { release_csv(); }
    Parser(const Parser&) = delete;
    Parser& operator=(const Parser&) = delete;

    ParserOptions opt;
    DeliveryQuality quality{opt.max_distinct_records};
    std::vector<ParsedRow> rows;
    std::vector<RejectedRow> rejects;
    std::size_t rejects_owned_bytes = 0;   // owned_heap_bytes() of every reject in `rejects`
    std::uint64_t records_read = 0;
    std::uint64_t records_rejected = 0;
    char delim = 0;

    Phase phase = Phase::Bom;
    std::exception_ptr failure;   // first exception out of feed()/finish(); rethrown after
    std::uint64_t line = 1;       // physical line of the next byte
    bool pending_cr = false;      // the last byte was a CR: a line end unless an LF follows

    // BOM gate.
    unsigned char prefix[kBomProbe] = {};
    std::size_t prefix_len = 0;

    // Header.
    std::string header_buf;
    bool header_started = false;
    HeaderScanner header_scanner;
    bool header_ended = false;
    std::uint64_t header_line = 1;
    HeaderBinding binding;

    // libcsv.
    csv_parser csv{};
    bool csv_ready = false;
    std::exception_ptr callback_failure;   // exceptions must not cross libcsv's C frames

    // The data record in progress.
    bool in_record = false;
    bool skipping = false;          // broken record: ignore bytes up to the next line end
    RejectRule skip_rule{};         // and why it is broken
    std::uint64_t record_line = 0;
    std::size_t nfields = 0;
    bool field_too_long = false;
    ParsedRow row{};
    RejectedRow problems;           // its reject in the making: reason and issues so far
    std::string raw;                // the record's first max_raw_bytes bytes
    const unsigned char* raw_view = nullptr;   // or, for a line split in place, the line itself
    std::uint64_t raw_len = 0;      // and how many it has so far

    // ---- entry points ----

    // Returns the bytes used: all of them, unless the output reached output_limit first.
    std::size_t feed(const char* data, std::size_t len, std::size_t output_limit)
    {
        check_usable();
        if (len == 0)
            return 0;
        try {
            const auto* p = reinterpret_cast<const unsigned char*>(data);
            std::size_t used = 0;
            if (phase == Phase::Bom) {
                used = std::min(kBomProbe - prefix_len, len);
                std::memcpy(prefix + prefix_len, p, used);
                prefix_len += used;
                if (prefix_len < kBomProbe)
                    return used;
                open_bom_gate();
            }
            return used + dispatch(p + used, len - used, output_limit);
        } catch (...) {
            failure = std::current_exception();
            throw;
        }
    }

    void finish()
    {
        check_usable();
        try {
            if (phase == Phase::Bom)
                open_bom_gate();
            if (phase == Phase::Header) {
                if (!header_started)
                    throw DeliveryError("file is empty");
                read_header();   // the header had no line end
            }
            // csv_fini() fails only for a quote still open: the last line ends inside quotes.
            if (in_record && !skipping && fini() != 0)
                start_skip(RejectRule::UnbalancedQuote);
            if (skipping)
                end_skipped(false);
            if (records_read == 0)
                throw DeliveryError("no data records after the header");
            release_csv();
            phase = Phase::Done;
        } catch (...) {
            failure = std::current_exception();
            throw;
        }
    }

    void check_usable() const
    {
        if (failure)
            std::rethrow_exception(failure);
        if (phase == Phase::Done)
            throw std::logic_error("DeliveryParser: input after finish()");
    }

    // Returns the bytes used (see feed()).
    std::size_t dispatch(const unsigned char* p, std::size_t n, std::size_t output_limit = kNoOutputLimit)
    {
        std::size_t used = 0;
        while (used < n && phase == Phase::Header)
            used += header_feed(p + used, n - used);
        if (used < n)
            used += data_feed(p + used, n - used, output_limit);
        return used;
    }

    // Heap bytes held by rows and rejects (heap_footprint.hpp), kept up to date as they grow.
    std::size_t output_bytes() const noexcept
    {
        return heap_bytes(rows) + heap_bytes(rejects) + rejects_owned_bytes;
    }

    void clear_output() noexcept
    {
        rows.clear();
        rejects.clear();
        rejects_owned_bytes = 0;
    }

    // ---- BOM gate ----

    void open_bom_gate()
    {
        phase = Phase::Header;
        const unsigned char* b = prefix;
        const bool utf16 = prefix_len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF));
        const bool utf32be = prefix_len == 3 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE;
        if (utf16 || utf32be)   // FF FE also starts the UTF-32LE mark
            throw DeliveryError("file looks binary: UTF-16/UTF-32 byte order mark (expected UTF-8 text)");
        const bool utf8 = prefix_len == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF;
        const std::size_t skip = utf8 ? 3 : 0;
        dispatch(prefix + skip, prefix_len - skip);
    }

    // ---- header ----

    // Collects the header record; returns the bytes used (up to its line end).
    std::size_t header_feed(const unsigned char* p, std::size_t n)
    {
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned char c = p[i];
            count_line_end(c);
            if (c == 0)
                throw DeliveryError("file looks binary: NUL byte in line " + std::to_string(line));
            if (!header_started) {   // blank lines before the header
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                    continue;
                header_started = true;
                header_line = line;
            }
            header_buf.push_back(static_cast<char>(c));
            if (header_scanner.scan(c, header_line)) {
                read_header();
                return i + 1;
            }
            if (header_buf.size() > opt.max_record_bytes)
                throw DeliveryError(at_line(header_line) + "header longer than " +
                                    std::to_string(opt.max_record_bytes) + " bytes");
        }
        return n;
    }

    void read_header()
    {
        delim = header_scanner.choose_delimiter(header_line);
        reset_csv();
        const auto* p = reinterpret_cast<const unsigned char*>(header_buf.data());
        if (parse(p, header_buf.size()) < header_buf.size()) {
            throw DeliveryError(at_line(header_line) + (csv_error(&csv) == CSV_EPARSE
                                    ? std::string("malformed quoting in header")
                                    : "header field longer than " + std::to_string(opt.max_field_bytes) + " bytes"));
        }
        if (!header_ended && fini() != 0)
            throw DeliveryError(at_line(header_line) + "unterminated quoted field");
        binding.check();
        std::string().swap(header_buf);
        phase = Phase::Data;
    }

    // ---- data ----

    // Line numbering, one byte at a time: c is the next byte. An LF ends a line; a CR ends
    // one unless an LF follows (then the LF does).
    void count_line_end(unsigned char c) noexcept
    {
        if (pending_cr && c != '\n')
            ++line;
        pending_cr = c == '\r';
        if (c == '\n')
            ++line;
    }

    // Segment by segment; stops early once the output has reached output_limit, at the end of
    // the segment that got it there (records end only at segment ends). Returns the bytes used.
    std::size_t data_feed(const unsigned char* p, std::size_t n, std::size_t output_limit)
    {
        const std::size_t total = n;
        while (n > 0) {
            if (pending_cr) {   // a segment ended at a CR: was it a lone one?
                pending_cr = false;
                if (p[0] != '\n')
                    ++line;
            }
            const auto* lf = static_cast<const unsigned char*>(std::memchr(p, '\n', n));
            std::size_t len = lf ? static_cast<std::size_t>(lf - p) + 1 : n;
            const std::size_t before_lf = lf ? len - 1 : n;
            if (const auto* cr = static_cast<const unsigned char*>(std::memchr(p, '\r', before_lf)))
                len = static_cast<std::size_t>(cr - p) + 1;
            const unsigned char last = p[len - 1];
            segment(p, len, last == '\n' || last == '\r');
            if (last == '\n')
                ++line;
            pending_cr = last == '\r';
            p += len;
            n -= len;
            if (output_bytes() >= output_limit)
                break;
        }
        return total - n;
    }

    // One segment: bytes up to and including the first CR or LF (line_end), or fewer when
    // the chunk ends first.
    void segment(const unsigned char* p, std::size_t n, bool line_end)
    {
        const std::uint64_t before = raw_len;   // record bytes before this segment
        if (!in_record) {
            // libcsv skips spaces, tabs and line ends between records; so do we.
            const bool blank = std::all_of(p, p + n, [](unsigned char c) {
                return c == ' ' || c == '\t' || c == '\r' || c == '\n';
            });
            if (!blank && line_end && raw_len == 0 && n - 1 <= opt.max_record_bytes && opt.split_plain_lines) {
                // A whole line: split here if its fields are plain. Its raw text is read from
                // the buffer, and only if the record is rejected.
                begin_record();
                raw_view = p;
                raw_len = n;
                const bool split = split_simple_line(p, n - 1, p[n - 1]);
                raw_view = nullptr;
                if (split)
                    return;
                raw_len = 0;   // not plain: libcsv reads it, from the record's start
                keep_raw(p, n);
            } else {
                keep_raw(p, n);   // leading blanks belong to the record's raw text if one follows
                if (blank) {
                    if (line_end)
                        clear_raw();
                    return;
                }
                begin_record();
            }
        } else {
            keep_raw(p, n);
        }
        if (skipping) {
            if (line_end)
                end_skipped(true);
            return;
        }
        // Whichever problem comes first in the record's bytes wins, so that the outcome does
        // not depend on how the input was chunked: libcsv only sees bytes up to the length
        // limit, and the limit is reported only if libcsv found nothing before it.
        const std::size_t content = n - (line_end ? 1 : 0);
        const std::uint64_t room = before < opt.max_record_bytes ? opt.max_record_bytes - before : 0;
        if (content <= room) {
            if (parse(p, n) < n)
                start_skip(libcsv_failure());
            else if (line_end && in_record)
                // libcsv ends a record at every unquoted line end, so this one fell inside
                // quotes. No field of a delivery holds a line break: the quote is unbalanced,
                // and the record ends here rather than swallowing the lines after it.
                start_skip(RejectRule::UnbalancedQuote);
            else
                return;   // the callbacks handled a record that ended here, or it goes on
        } else {
            const auto head = static_cast<std::size_t>(room);
            if (head > 0 && parse(p, head) < head)
                start_skip(libcsv_failure());
            else
                start_skip(RejectRule::RecordTooLong);
        }
        if (line_end)
            end_skipped(true);
    }

    // A whole record on one line, split here rather than by libcsv when every field is plain:
    // unquoted without a quote in it (leading and trailing spaces and tabs dropped), or
    // quoted with no quote inside and nothing but the delimiter or the line end right after
    // the closing quote (the content kept as it is). Those fields are exactly what libcsv
    // would report. Anything else -- a doubled quote, a quote left open, blanks or text after
    // a closing quote, more fields than columns -- returns false with nothing done, and the
    // line goes to libcsv, whose state is still at a record start.
    bool split_simple_line(const unsigned char* p, std::size_t n, unsigned char terminator)
    {
        std::array<FieldSpan, kMaxSplitFields> fields;
        std::size_t count = 0;
        if (!split_plain_line(p, n, static_cast<unsigned char>(delim), fields.data(), &count))
            return false;
        for (std::size_t i = 0; i < count; ++i)
            data_field(fields[i].data, fields[i].len);
        data_record(terminator);
        return true;
    }

    // Why csv_parse() stopped early: bad quoting, or a field the realloc cap refused.
    RejectRule libcsv_failure()
    {
        return csv_error(&csv) == CSV_EPARSE ? RejectRule::MalformedQuoting : RejectRule::FieldTooLong;
    }

    void begin_record()
    {
        in_record = true;
        record_line = line;
        nfields = 0;
        field_too_long = false;
        problems.reason.clear();
        problems.issues.clear();
        row = ParsedRow{};
    }

    void end_record()
    {
        in_record = false;
        skipping = false;
        clear_raw();
    }

    void keep_raw(const unsigned char* p, std::size_t n)
    {
        raw_len += n;
        if (raw.size() < opt.max_raw_bytes)
            raw.append(reinterpret_cast<const char*>(p), std::min(n, opt.max_raw_bytes - raw.size()));
    }

    void clear_raw()
    {
        raw.clear();
        raw_len = 0;
    }

    // The reason text of a problem of the whole record (README "Rejected rows" lists them).
    std::string record_reason(RejectRule rule) const
    {
        switch (rule) {
        case RejectRule::WrongFieldCount:
            return "expected " + std::to_string(kColumnCount) + " fields, found " + std::to_string(nfields);
        case RejectRule::FieldTooLong:
            return "field longer than " + std::to_string(opt.max_field_bytes) + " bytes";
        case RejectRule::RecordTooLong:
            return "record longer than " + std::to_string(opt.max_record_bytes) + " bytes";
        case RejectRule::MalformedQuoting:
            return "malformed quoting";
        case RejectRule::UnbalancedQuote:
            return "unbalanced quote";
        case RejectRule::EmptyValue:
        case RejectRule::NotAWholeNumber:
        case RejectRule::OutOfRange:
        case RejectRule::NotYesOrNo:
        case RejectRule::UnknownCode:
        case RejectRule::MissingValue:
            break;   // a field's rule: convert_field() writes its text
        }
        throw std::logic_error(std::string("no record reason for rule ") + reject_rule_name(rule));
    }

    // The record is broken: forget libcsv's state and ignore the rest of it up to a line end.
    void start_skip(RejectRule why)
    {
        skipping = true;
        skip_rule = why;
        reset_csv();
    }

    void end_skipped(bool line_end)
    {
        reject_record(skip_rule, raw_len - (line_end ? 1 : 0));
        end_record();
    }

    void data_field(const unsigned char* s, std::size_t n)
    {
        const std::size_t index = nfields++;
        if (index >= kColumnCount || field_too_long)
            return;   // the record is rejected as a whole anyway
        if (n > opt.max_field_bytes) {
            field_too_long = true;
            return;
        }
        convert_field(binding.slot(index), s, n, opt.ascii_only_raw, opt.missing, row, problems);
    }

    // libcsv ended a record; terminator is its CR/LF, or -1 at end of input.
    void data_record(int terminator)
    {
        const std::uint64_t content = raw_len - ((terminator == '\r' || terminator == '\n') ? 1 : 0);
        if (field_too_long) {
            reject_record(RejectRule::FieldTooLong, content);
        } else if (nfields != kColumnCount) {
            reject_record(RejectRule::WrongFieldCount, content);
        } else if (!problems.issues.empty()) {
            reject(content);
        } else {
            row.line = record_line;
            quality.add_row(row);
            rows.push_back(row);
            ++records_read;
        }
        end_record();
    }

    // A problem of the whole record: it replaces whatever its fields broke, as its only issue.
    void reject_record(RejectRule rule, std::uint64_t content_len)
    {
        problems.reason = record_reason(rule);
        problems.issues.assign(1, RejectIssue{-1, rule, {}});
        reject(content_len);
    }

    // Publishes `problems` as the record's reject; content_len: its bytes without the line end.
    void reject(std::uint64_t content_len)
    {
        RejectedRow r = std::move(problems);
        r.line = record_line;
        // A line split in place has its raw text in the caller's buffer (raw_view), uncopied.
        const unsigned char* text = raw_view ? raw_view : reinterpret_cast<const unsigned char*>(raw.data());
        const std::size_t available = raw_view ? static_cast<std::size_t>(raw_len) : raw.size();
        const std::size_t kept = static_cast<std::size_t>(std::min<std::uint64_t>(available, content_len));
        const std::size_t used = append_printable(r.raw, text, kept, opt.ascii_only_raw, opt.max_raw_bytes);
        if (used < content_len)
            r.raw += "...[truncated, " + std::to_string(content_len) + " bytes]";
        quality.add_reject(r);
        rejects.push_back(std::move(r));
        rejects_owned_bytes += owned_heap_bytes(rejects.back());
        ++records_read;
        ++records_rejected;
    }

    // ---- libcsv ----

    void reset_csv()
    {
        release_csv();
        csv_init(&csv, kCsvOptions);   // fails only for a null pointer
        csv_set_delim(&csv, static_cast<unsigned char>(delim));
        csv_set_realloc_func(&csv, student_etl_csv_realloc);
        csv_ready = true;
    }

    void release_csv() noexcept
    {
        if (csv_ready)
            csv_free(&csv);
        csv_ready = false;
    }

    std::size_t field_cap() const noexcept
    {
        const std::size_t max = opt.max_field_bytes;
        return max > std::numeric_limits<std::size_t>::max() - kFieldSlack ? max : max + kFieldSlack;
    }

    // csv_parse(); returns the bytes it used (fewer on a parse error or a refused field).
    std::size_t parse(const unsigned char* p, std::size_t n)
    {
        FieldCapScope scope(field_cap());
        const std::size_t used = csv_parse(&csv, p, n, student_etl_csv_field, student_etl_csv_record, this);
        rethrow_callback_failure();
        if (used < n && csv_error(&csv) == CSV_ENOMEM && scope.system_out_of_memory())
            throw std::bad_alloc();
        return used;
    }

    int fini()
    {
        FieldCapScope scope(field_cap());
        const int rc = csv_fini(&csv, student_etl_csv_field, student_etl_csv_record, this);
        rethrow_callback_failure();
        return rc;
    }

    void rethrow_callback_failure()
    {
        if (!callback_failure)
            return;
        std::exception_ptr e = callback_failure;
        callback_failure = nullptr;
        std::rethrow_exception(e);
    }

    void on_field(const unsigned char* s, std::size_t n)
    {
        if (phase == Phase::Header)
            binding.add(s, n, opt.ascii_only_raw);
        else
            data_field(s, n);
    }

    void on_record(int terminator)
    {
        if (phase == Phase::Header)
            header_ended = true;
        else
            data_record(terminator);
    }
};

}  // namespace

// The callbacks run inside libcsv (C): nothing may propagate out of them. The first
// exception is parked and rethrown once csv_parse() returns; later callbacks do nothing.
extern "C" {

static void student_etl_csv_field(void* data, std::size_t len, void* self)
{
    auto* parser = static_cast<Parser*>(self);
    if (parser->callback_failure)
        return;
    try {
        static const unsigned char kNothing = 0;
        parser->on_field(data ? static_cast<const unsigned char*>(data) : &kNothing, len);
    } catch (...) {
        parser->callback_failure = std::current_exception();
    }
}

static void student_etl_csv_record(int terminator, void* self)
{
    auto* parser = static_cast<Parser*>(self);
    if (parser->callback_failure)
        return;
    try {
        parser->on_record(terminator);
    } catch (...) {
        parser->callback_failure = std::current_exception();
    }
}

// Refusing growth past the cap makes csv_parse() stop with CSV_ENOMEM: a huge field then
// costs max_field_bytes of memory, not its own size.
static void* student_etl_csv_realloc(void* block, std::size_t size)
{
    if (size > t_field_cap)
        return nullptr;
    void* grown = std::realloc(block, size);
    if (!grown)
        t_system_out_of_memory = true;
    return grown;
}

}  // extern "C"

struct DeliveryParser::Impl : Parser {
    using Parser::Parser;
};

DeliveryParser::DeliveryParser(const ParserOptions& options) : impl_(std::make_unique<Impl>(options)) {}

DeliveryParser::~DeliveryParser() = default;

void DeliveryParser::feed(const char* data, std::size_t len)
{
    impl_->feed(data, len, kNoOutputLimit);   // uses every byte: the limit is never reached
}

std::size_t DeliveryParser::feed_until(const char* data, std::size_t len, std::size_t output_limit)
{
    return impl_->feed(data, len, output_limit);
}

std::size_t DeliveryParser::output_bytes() const noexcept
{
    return impl_->output_bytes();
}

void DeliveryParser::finish()
{
    impl_->finish();
}

std::vector<ParsedRow>& DeliveryParser::rows() noexcept
{
    return impl_->rows;
}

std::vector<RejectedRow>& DeliveryParser::rejects() noexcept
{
    return impl_->rejects;
}

void DeliveryParser::clear_output() noexcept
{
    impl_->clear_output();
}

const DeliveryQuality& DeliveryParser::quality() const noexcept
{
    return impl_->quality;
}

std::uint64_t DeliveryParser::records_read() const noexcept
{
    return impl_->records_read;
}

std::uint64_t DeliveryParser::records_rejected() const noexcept
{
    return impl_->records_rejected;
}

char DeliveryParser::delimiter() const noexcept
{
    return impl_->phase == Phase::Data || impl_->phase == Phase::Done ? impl_->delim : 0;
}

}  // namespace student_etl
