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
// A broken record (bad quoting, a field or the record too long) drops libcsv's state and
// skips to the next line end, so one bad record never takes the rest of the file with it.
//
// Line numbers count line ends: LF, CRLF (one line end) and a lone CR (old Mac files; libcsv
// ends an unquoted record there too). So no two records ever start on the same line number.
#include "delivery_parser.hpp"

#include <csv.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <string_view>

namespace student_etl {

namespace {

constexpr std::size_t kBomProbe = 3;          // longest BOM we strip (UTF-8) or recognise
constexpr std::size_t kFieldSlack = 64;       // libcsv's buffer also holds a closing quote and spaces
constexpr std::size_t kQuotedValueBytes = 64; // values quoted in reasons are cut here
constexpr std::size_t kMaxListedNames = 10;   // header errors list at most this many names per kind
constexpr unsigned char kCsvOptions = CSV_STRICT | CSV_STRICT_FINI;

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

constexpr unsigned char ascii_lower(unsigned char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

bool iequals(const unsigned char* s, std::size_t n, std::string_view word) noexcept
{
    if (n != word.size())
        return false;
    for (std::size_t i = 0; i < n; ++i)
        if (ascii_lower(s[i]) != ascii_lower(static_cast<unsigned char>(word[i])))
            return false;
    return true;
}

std::string at_line(std::uint64_t line)
{
    return "line " + std::to_string(line) + ": ";
}

// Length (2..4) of the well-formed, non-control UTF-8 sequence at s, else 0. Refuses what
// PostgreSQL refuses (overlong forms, surrogates, above U+10FFFF) and the C1 controls.
std::size_t utf8_sequence(const unsigned char* s, std::size_t n) noexcept
{
    const unsigned char c = s[0];
    if (c < 0xC2 || c > 0xF4)
        return 0;
    const std::size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < len)
        return 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xC2)
        lo = 0xA0;   // U+0080..U+009F are control characters
    else if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (std::size_t k = 2; k < len; ++k)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return len;
}

// Appends the printable form of s[0..n) to out, growing it by at most max_out bytes and never
// splitting an escape or a UTF-8 sequence. Returns how many input bytes it used.
std::size_t append_printable(std::string& out, const unsigned char* s, std::size_t n, bool ascii_only,
                             std::size_t max_out)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t room = max_out;
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if ((c >= 0x20 && c < 0x7F && c != '\\') || c == '\t') {
            if (room < 1)
                break;
            out.push_back(static_cast<char>(c));
            room -= 1;
            i += 1;
            continue;
        }
        if (c == '\\') {
            if (room < 2)
                break;
            out += "\\\\";
            room -= 2;
            i += 1;
            continue;
        }
        if (c >= 0x80 && !ascii_only) {
            const std::size_t len = utf8_sequence(s + i, n - i);
            if (len != 0) {
                if (room < len)
                    break;
                out.append(reinterpret_cast<const char*>(s + i), len);
                room -= len;
                i += len;
                continue;
            }
        }
        if (room < 4)
            break;
        const char escape[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 0x0F]};
        out.append(escape, 4);
        room -= 4;
        i += 1;
    }
    return i;
}

// `"value"` for a message, printable and cut; a trailing ... says it was cut.
void append_quoted(std::string& out, const unsigned char* s, std::size_t n, bool ascii_only)
{
    out.push_back('"');
    const std::size_t used = append_printable(out, s, n, ascii_only, kQuotedValueBytes);
    out.push_back('"');
    if (used < n)
        out += "...";
}

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
    std::vector<ParsedRow> rows;
    std::vector<RejectedRow> rejects;
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
    enum class HeaderState : std::uint8_t { FieldStart, Unquoted, Quoted, QuoteSeen, AfterQuote };
    HeaderState header_state = HeaderState::FieldStart;
    bool header_ended = false;
    std::uint64_t header_line = 1;
    std::size_t semicolons = 0, commas = 0;
    std::size_t header_fields = 0;
    std::array<bool, kColumnCount> seen{};
    std::array<std::uint8_t, kColumnCount> slot_of{};   // file position -> kColumns index
    std::string unknown_names, duplicate_names;
    std::size_t unknown_count = 0, duplicate_count = 0;

    // libcsv.
    csv_parser csv{};
    bool csv_ready = false;
    std::exception_ptr callback_failure;   // exceptions must not cross libcsv's C frames

    // The data record in progress.
    bool in_record = false;
    bool skipping = false;          // broken record: ignore bytes up to the next line end
    std::string skip_reason;
    std::uint64_t record_line = 0;
    std::size_t nfields = 0;
    bool field_too_long = false;
    ParsedRow row{};
    std::string reason;
    std::string raw;                // the record's first max_raw_bytes bytes
    std::uint64_t raw_len = 0;      // and how many it has so far

    // ---- entry points ----

    void feed(const char* data, std::size_t len)
    {
        check_usable();
        if (len == 0)
            return;
        try {
            const auto* p = reinterpret_cast<const unsigned char*>(data);
            if (phase == Phase::Bom) {
                const std::size_t take = std::min(kBomProbe - prefix_len, len);
                std::memcpy(prefix + prefix_len, p, take);
                prefix_len += take;
                p += take;
                len -= take;
                if (prefix_len < kBomProbe)
                    return;
                open_bom_gate();
            }
            dispatch(p, len);
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
            if (skipping) {
                end_skipped(false);
            } else if (in_record && fini() != 0) {
                throw DeliveryError(at_line(record_line) + "unterminated quoted field");
            }
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

    void dispatch(const unsigned char* p, std::size_t n)
    {
        while (n > 0 && phase == Phase::Header) {
            const std::size_t used = header_feed(p, n);
            p += used;
            n -= used;
        }
        if (n > 0)
            data_feed(p, n);
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
            if (header_scan(c)) {
                read_header();
                return i + 1;
            }
            if (header_buf.size() > opt.max_record_bytes)
                throw DeliveryError(at_line(header_line) + "header longer than " +
                                    std::to_string(opt.max_record_bytes) + " bytes");
        }
        return n;
    }

    // Follows libcsv's quoting rules over the header before the delimiter is known, taking
    // both ';' and ',' as field boundaries. Counts the delimiters outside quotes; returns
    // true at the line end that ends the header. Anything it calls bad quoting, libcsv
    // would too, whichever delimiter is chosen.
    bool header_scan(unsigned char c)
    {
        const bool blank = c == ' ' || c == '\t';
        const bool boundary = c == ';' || c == ',';
        const bool line_end = c == '\r' || c == '\n';
        switch (header_state) {
        case HeaderState::Quoted:
            if (c == '"')
                header_state = HeaderState::QuoteSeen;
            return false;
        case HeaderState::QuoteSeen:
            if (c == '"') {
                header_state = HeaderState::Quoted;   // "" inside quotes
                return false;
            }
            [[fallthrough]];
        case HeaderState::AfterQuote:
            if (blank) {
                header_state = HeaderState::AfterQuote;
                return false;
            }
            if (!boundary && !line_end)
                throw DeliveryError(at_line(header_line) + "malformed quoting in header");
            break;
        case HeaderState::FieldStart:
            if (c == '"') {
                header_state = HeaderState::Quoted;
                return false;
            }
            if (blank)
                return false;
            break;
        case HeaderState::Unquoted:
            if (c == '"')
                throw DeliveryError(at_line(header_line) + "malformed quoting in header");
            break;
        }
        if (boundary) {
            ++(c == ';' ? semicolons : commas);
            header_state = HeaderState::FieldStart;
            return false;
        }
        if (line_end)
            return true;
        header_state = HeaderState::Unquoted;
        return false;
    }

    char choose_delimiter() const
    {
        constexpr std::size_t kWanted = kColumnCount - 1;
        if (semicolons == kWanted)
            return ';';
        if (commas == kWanted)
            return ',';
        if (semicolons == 0 && commas == 0)
            throw DeliveryError(at_line(header_line) + "no delimiter found (expected ';' or ',')");
        return semicolons >= commas ? ';' : ',';
    }

    void read_header()
    {
        delim = choose_delimiter();
        reset_csv();
        const auto* p = reinterpret_cast<const unsigned char*>(header_buf.data());
        if (parse(p, header_buf.size()) < header_buf.size()) {
            throw DeliveryError(at_line(header_line) + (csv_error(&csv) == CSV_EPARSE
                                    ? std::string("malformed quoting in header")
                                    : "header field longer than " + std::to_string(opt.max_field_bytes) + " bytes"));
        }
        if (!header_ended && fini() != 0)
            throw DeliveryError(at_line(header_line) + "unterminated quoted field");
        check_header();
        std::string().swap(header_buf);
        phase = Phase::Data;
    }

    void header_field(const unsigned char* s, std::size_t n)
    {
        const std::size_t index = header_fields++;
        const std::optional<int> column = find_column(std::string_view(reinterpret_cast<const char*>(s), n));
        if (!column) {
            list_name(unknown_names, unknown_count, s, n);
        } else if (seen[*column]) {
            list_name(duplicate_names, duplicate_count, s, n);
        } else {
            seen[*column] = true;
            // A column first seen past position 33 means an earlier name was unknown or a
            // duplicate: check_header rejects this header anyway.
            if (index < kColumnCount)
                slot_of[index] = static_cast<std::uint8_t>(*column);
        }
    }

    void list_name(std::string& list, std::size_t& count, const unsigned char* s, std::size_t n)
    {
        if (count < kMaxListedNames) {
            if (!list.empty())
                list += ", ";
            append_quoted(list, s, n, opt.ascii_only_raw);
        }
        ++count;
    }

    void check_header() const
    {
        std::string message;
        const auto clause = [&message](const char* what, const std::string& names, std::size_t count) {
            if (count == 0)
                return;
            message += message.empty() ? "header: " : "; ";
            message += what;
            message += count == 1 ? " " : "s ";
            message += names;
            if (count > kMaxListedNames)
                message += " and " + std::to_string(count - kMaxListedNames) + " more";
        };
        std::string missing;
        std::size_t missing_count = 0;
        for (int c = 0; c < kColumnCount; ++c) {
            if (seen[c])
                continue;
            if (missing_count++ < kMaxListedNames) {
                if (!missing.empty())
                    missing += ", ";
                missing += '"';
                missing += kColumns[c].header;
                missing += '"';
            }
        }
        clause("unknown column", unknown_names, unknown_count);
        clause("duplicate column", duplicate_names, duplicate_count);
        clause("missing required column", missing, missing_count);
        if (!message.empty())
            throw DeliveryError(message);
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

    void data_feed(const unsigned char* p, std::size_t n)
    {
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
        }
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
            keep_raw(p, n);   // leading blanks belong to the record's raw text if one follows
            if (blank) {
                if (line_end)
                    clear_raw();
                return;
            }
            begin_record();
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
            if (parse(p, n) == n)
                return;   // a record that ended here was handled by the callbacks
            start_skip(libcsv_failure());
        } else {
            const auto head = static_cast<std::size_t>(room);
            if (head > 0 && parse(p, head) < head)
                start_skip(libcsv_failure());
            else
                start_skip("record longer than " + std::to_string(opt.max_record_bytes) + " bytes");
        }
        if (line_end)
            end_skipped(true);
    }

    // Why csv_parse() stopped early: bad quoting, or a field the realloc cap refused.
    std::string libcsv_failure()
    {
        return csv_error(&csv) == CSV_EPARSE ? std::string("malformed quoting") : field_too_long_reason();
    }

    void begin_record()
    {
        in_record = true;
        record_line = line;
        nfields = 0;
        field_too_long = false;
        reason.clear();
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

    std::string field_too_long_reason() const
    {
        return "field longer than " + std::to_string(opt.max_field_bytes) + " bytes";
    }

    // The record is broken: forget libcsv's state and ignore the rest of it up to a line end.
    void start_skip(std::string why)
    {
        skipping = true;
        skip_reason = std::move(why);
        reset_csv();
    }

    void end_skipped(bool line_end)
    {
        reject(std::move(skip_reason), raw_len - (line_end ? 1 : 0));
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
        const int slot = slot_of[index];
        const ColumnSpec& column = kColumns[slot];
        if (n == 0) {
            column_reason(column) += "empty value";
            return;
        }
        switch (column.kind) {
        case Kind::Int: convert_int(column, slot, s, n); break;
        case Kind::YesNo: convert_yes_no(column, slot, s, n); break;
        case Kind::Code: convert_code(column, slot, s, n); break;
        }
    }

    // Starts a "column "X": " clause in the record's reason and returns it for the rest.
    std::string& column_reason(const ColumnSpec& column)
    {
        if (!reason.empty())
            reason += "; ";
        reason += "column \"";
        reason += column.header;
        reason += "\": ";
        return reason;
    }

    void convert_int(const ColumnSpec& column, int slot, const unsigned char* s, std::size_t n)
    {
        std::uint64_t value = 0;
        bool huge = false;   // past 32 bits: quoted as text rather than printed as a number
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned digit = static_cast<unsigned>(s[i]) - '0';
            if (digit > 9) {
                std::string& r = column_reason(column);
                append_quoted(r, s, n, opt.ascii_only_raw);
                r += " is not a whole number";
                return;
            }
            if (!huge) {
                value = value * 10 + digit;
                huge = value > std::numeric_limits<std::uint32_t>::max();
            }
        }
        const auto v = static_cast<std::int64_t>(value);
        if (huge || v < column.min || v > column.max) {
            std::string& r = column_reason(column);
            if (huge)
                append_quoted(r, s, n, opt.ascii_only_raw);
            else
                r += std::to_string(v);
            r += " is out of range " + std::to_string(column.min) + ".." + std::to_string(column.max);
            return;
        }
        row.value[slot] = static_cast<std::int16_t>(v);
    }

    void convert_yes_no(const ColumnSpec& column, int slot, const unsigned char* s, std::size_t n)
    {
        if (iequals(s, n, "yes")) {
            row.value[slot] = 1;
        } else if (iequals(s, n, "no")) {
            row.value[slot] = 0;
        } else {
            std::string& r = column_reason(column);
            append_quoted(r, s, n, opt.ascii_only_raw);
            r += " is not yes or no";
        }
    }

    void convert_code(const ColumnSpec& column, int slot, const unsigned char* s, std::size_t n)
    {
        for (std::uint8_t k = 0; k < column.ncodes; ++k) {
            if (iequals(s, n, column.codes[k])) {
                row.value[slot] = k;
                return;
            }
        }
        std::string& r = column_reason(column);
        append_quoted(r, s, n, opt.ascii_only_raw);
        r += " is not one of ";
        for (std::uint8_t k = 0; k < column.ncodes; ++k) {
            if (k != 0)
                r += ", ";
            r += column.codes[k];
        }
    }

    // libcsv ended a record; terminator is its CR/LF, or -1 at end of input.
    void data_record(int terminator)
    {
        const std::uint64_t content = raw_len - ((terminator == '\r' || terminator == '\n') ? 1 : 0);
        if (field_too_long) {
            reject(field_too_long_reason(), content);
        } else if (nfields != kColumnCount) {
            reject("expected " + std::to_string(kColumnCount) + " fields, found " + std::to_string(nfields), content);
        } else if (!reason.empty()) {
            reject(std::move(reason), content);
        } else {
            row.line = record_line;
            rows.push_back(row);
            ++records_read;
        }
        end_record();
    }

    void reject(std::string why, std::uint64_t content_len)
    {
        RejectedRow r;
        r.line = record_line;
        r.reason = std::move(why);
        const std::size_t kept = static_cast<std::size_t>(std::min<std::uint64_t>(raw.size(), content_len));
        const std::size_t used = append_printable(r.raw, reinterpret_cast<const unsigned char*>(raw.data()), kept,
                                                  opt.ascii_only_raw, opt.max_raw_bytes);
        if (used < content_len)
            r.raw += "...[truncated, " + std::to_string(content_len) + " bytes]";
        rejects.push_back(std::move(r));
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
            header_field(s, n);
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
    impl_->feed(data, len);
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
    impl_->rows.clear();
    impl_->rejects.clear();
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

std::string printable(const char* data, std::size_t len, bool ascii_only)
{
    std::string out;
    out.reserve(len);
    append_printable(out, reinterpret_cast<const unsigned char*>(data), len, ascii_only,
                     std::numeric_limits<std::size_t>::max());
    return out;
}

}  // namespace student_etl
