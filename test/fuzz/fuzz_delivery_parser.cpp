// libFuzzer target for the pure C++ core: DeliveryParser (libcsv underneath) and printable().
//
// The first bytes of the input choose the options and how the rest is cut into feed() calls;
// the rest is the delivery. Besides "no crash, no sanitizer report, nothing but DeliveryError
// thrown", it checks what the loader relies on:
//   * the outcome does not depend on the chunking (whole input vs the chosen cuts, each fed
//     with feed_until() and a small output limit), and output_bytes() matches a recount;
//   * nor on who splits plain lines (split_plain_lines on, as the loader runs, and off:
//     libcsv only);
//   * records_read = rows + rejects, records_rejected = rejects;
//   * no two records share a line number (they key student_performance and rejected_rows),
//     and lines grow in file order;
//   * every value is inside its column's domain;
//   * reasons and raw records are printable text (valid UTF-8, no control bytes but tab),
//     raw within its cap;
//   * no record spans a line end (no CR or LF in a raw record);
//   * every reject has issues: one without a column for a record-level problem, else one per
//     bad field, values printable and within kIssueValueBytes.
// make fuzz FUZZ_SECONDS=N runs it with test/data and test/data/bad as the seed corpus.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "delivery_parser.hpp"
#include "heap_footprint.hpp"

using namespace student_etl;

namespace {

struct Result {
    std::string dump;         // rows, then rejects, then the error: independent of drain timing
    std::string row_dump, reject_dump, error;
    std::vector<std::uint64_t> lines;   // rows and rejects, in the order they were produced
    std::uint64_t rows = 0, rejects = 0, read = 0, rejected = 0;
};

[[noreturn]] void die(const char* what, const std::string& detail = {})
{
    std::fprintf(stderr, "fuzz invariant broken: %s %s\n", what, detail.c_str());
    std::abort();
}

bool is_printable_text(const std::string& s)
{
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t') || c == 0x7F)
                return false;
            ++i;
            continue;
        }
        std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (len == 0 || i + len > n)
            return false;
        for (std::size_t k = 1; k < len; ++k)
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

// True when printable text (see printable.hpp) stands for a CR or LF byte: \x0d or \x0a.
bool holds_line_break(const std::string& s)
{
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'x' && i + 3 < s.size() && s[i + 2] == '0' && (s[i + 3] == 'a' || s[i + 3] == 'd'))
            return true;
        ++i;   // \\ or the x of an escape: skip it
    }
    return false;
}

bool is_ascii(const std::string& s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0; });
}

// One issue per problem: a record-level one alone and without a column or value, a field's
// with a column of the dictionary; values printable and within their cap, like the reason.
void check_issues(const RejectedRow& r, const ParserOptions& opt)
{
    if (r.issues.empty())
        die("reject without issues", r.reason);
    for (const RejectIssue& issue : r.issues) {
        if (issue.column < -1 || issue.column >= kColumnCount)
            die("issue column out of range", r.reason);
        if (issue.column == -1 && (r.issues.size() != 1 || !issue.value.empty()))
            die("record-level issue not alone or with a value", r.reason);
        if (!is_printable_text(issue.value) || issue.value.size() > kIssueValueBytes)
            die("issue value not printable or over its cap", issue.value);
        if (opt.ascii_only_raw && !is_ascii(issue.value))
            die("ascii_only issue value holds non-ASCII bytes", issue.value);
    }
}

void drain(DeliveryParser& parser, Result& out, const ParserOptions& opt)
{
    for (const ParsedRow& row : parser.rows()) {
        out.row_dump += "row " + std::to_string(row.line) + ":";
        // A NULL (a missing value kept) is only ever in a column that may hold one, was
        // delivered missing, and stores 0; every other value is in its domain.
        if ((row.nulls & ~row.missing) != 0)
            die("NULL in a column that was not missing");
        out.row_dump += " missing=" + std::to_string(row.missing) + " nulls=" + std::to_string(row.nulls);
        for (int c = 0; c < kColumnCount; ++c) {
            const ColumnSpec& col = kColumns[c];
            const int v = row.value[c];
            if (is_null(row, c)) {
                if (column_required(c) || v != 0)
                    die("NULL in a required column, or a NULL that is not 0", std::string(col.header));
                out.row_dump += " null";
                continue;
            }
            const bool ok = col.kind == Kind::Int ? (v >= col.min && v <= col.max)
                          : col.kind == Kind::YesNo ? (v == 0 || v == 1)
                          : (v >= 0 && v < col.ncodes);
            if (!ok)
                die("value outside its domain", std::string(col.header));
            out.row_dump += " " + std::to_string(v);
        }
        out.row_dump += "\n";
        out.lines.push_back(row.line);
        ++out.rows;
    }
    for (const RejectedRow& r : parser.rejects()) {
        if (r.reason.empty())
            die("reject without a reason");
        if (!is_printable_text(r.reason) || !is_printable_text(r.raw))
            die("reject text not printable", r.reason);
        if (opt.ascii_only_raw && !is_ascii(r.raw))
            die("ascii_only raw record holds non-ASCII bytes", r.raw);
        if (r.raw.size() > opt.max_raw_bytes + 64)
            die("raw record over its cap");
        if (holds_line_break(r.raw))
            die("a record spans a line end", r.raw);
        check_issues(r, opt);
        out.reject_dump += "reject " + std::to_string(r.line) + ": " + r.reason + " | " + r.raw + " |";
        for (const RejectIssue& issue : r.issues)
            out.reject_dump += " " + std::to_string(issue.column) + ":" + reject_rule_name(issue.rule) + ":" + issue.value;
        out.reject_dump += "\n";
        out.lines.push_back(r.line);
        ++out.rejects;
    }
    parser.clear_output();
}

// Feeds data[0..n) with feed_until(), draining whenever it stops early.
void feed_in_slices(DeliveryParser& parser, const std::uint8_t* data, std::size_t n, std::size_t output_limit,
                    Result& out, const ParserOptions& opt)
{
    for (std::size_t at = 0; at < n;) {
        const std::size_t used = parser.feed_until(reinterpret_cast<const char*>(data) + at, n - at, output_limit);
        if (used == 0 || used > n - at)
            die("feed_until used no bytes, or more than it was given");
        at += used;
        if (at < n && parser.output_bytes() < output_limit)
            die("feed_until stopped early below its output limit");
        if (parser.output_bytes() != heap_bytes(parser.rows(), parser.rejects()))
            die("output_bytes() differs from a recount");
        drain(parser, out, opt);
    }
}

// cuts: where to split the input into feed() calls; output_limit: feed_until()'s limit.
Result run(const std::uint8_t* data, std::size_t size, const ParserOptions& opt, const std::vector<std::size_t>& cuts,
           std::size_t output_limit)
{
    Result out;
    DeliveryParser parser(opt);
    try {
        std::size_t at = 0;
        for (std::size_t cut : cuts) {
            if (cut <= at || cut > size)
                continue;
            feed_in_slices(parser, data + at, cut - at, output_limit, out, opt);
            at = cut;
        }
        feed_in_slices(parser, data + at, size - at, output_limit, out, opt);
        parser.finish();
    } catch (const DeliveryError& e) {
        out.error = std::string("error: ") + e.what() + "\n";
        if (!is_printable_text(e.what()))
            die("error message not printable", e.what());
    }
    drain(parser, out, opt);
    out.dump = out.row_dump + out.reject_dump + out.error;
    out.read = parser.records_read();
    out.rejected = parser.records_rejected();
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // Header bytes: [flags][field cap][record cap][cut seed]. Short inputs use the defaults.
    ParserOptions opt;
    std::uint8_t seed = 0;
    if (size >= 4 && (data[0] & 0x80)) {
        opt.ascii_only_raw = data[0] & 1;
        if (data[0] & 2) {
            opt.max_field_bytes = 1 + data[1] % 64;
            opt.max_record_bytes = 1 + data[2] * 4;
            opt.max_raw_bytes = 16 + data[2];
        }
        seed = data[3];
        data += 4;
        size -= 4;
    }

    const std::string text = printable(reinterpret_cast<const char*>(data), size, false);
    if (!is_printable_text(text) || !is_printable_text(printable(reinterpret_cast<const char*>(data), size, true)))
        die("printable() returned unprintable text");

    const Result whole = run(data, size, opt, {}, SIZE_MAX);
    // Cuts: every 1..8 bytes (from the seed), and at every line end (the awkward places).
    std::vector<std::size_t> cuts;
    const std::size_t step = 1 + seed % 8;
    for (std::size_t at = step; at < size; at += step)
        cuts.push_back(at);
    const Result chunked = run(data, size, opt, cuts, 64 * (seed % 16));   // 0: stop after every line
    if (chunked.dump != whole.dump)
        die("outcome depends on chunking", "\n--- whole\n" + whole.dump + "--- chunked\n" + chunked.dump);
    // Lines without quotes are split without libcsv: the same outcome as libcsv's.
    ParserOptions libcsv_only = opt;
    libcsv_only.split_plain_lines = false;
    const Result by_libcsv = run(data, size, libcsv_only, {}, SIZE_MAX);
    if (by_libcsv.dump != whole.dump)
        die("splitting plain lines differs from libcsv", "\n--- split\n" + whole.dump + "--- libcsv\n" + by_libcsv.dump);

    if (whole.read != whole.rows + whole.rejects || whole.rejected != whole.rejects)
        die("record counts do not add up");
    std::vector<std::uint64_t> lines = whole.lines;
    // Rows and rejects are produced in file order within one feed(): sort, then no repeats.
    std::sort(lines.begin(), lines.end());
    for (std::size_t i = 1; i < lines.size(); ++i)
        if (lines[i] == lines[i - 1])
            die("two records on one line", std::to_string(lines[i]));
    return 0;
}
