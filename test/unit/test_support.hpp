// Helpers shared by the unit tests: fixture paths, a valid header/record to vary, and a
// driver that runs DeliveryParser over a text in chunks of a given size and records
// everything it produced as one comparable text.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "delivery_parser.hpp"

namespace student_etl::test {

inline std::string data_dir()
{
    const char* dir = std::getenv("STUDENT_ETL_TEST_DATA");
    return dir && *dir ? dir : "test/data";
}

inline std::string read_fixture(const std::string& name)
{
    std::ifstream in(data_dir() + "/" + name, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open fixture " + data_dir() + "/" + name +
                                 " (run from the repository root or set STUDENT_ETL_TEST_DATA)");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The header of the original file and its first record, with that record's typed values.
inline const std::string kHeader =
    "school;sex;age;address;famsize;Pstatus;Medu;Fedu;Mjob;Fjob;reason;guardian;traveltime;"
    "studytime;failures;schoolsup;famsup;paid;activities;nursery;higher;internet;romantic;"
    "famrel;freetime;goout;Dalc;Walc;health;absences;G1;G2;G3";
inline const std::string kRecord =
    "\"GP\";\"F\";18;\"U\";\"GT3\";\"A\";4;4;\"at_home\";\"teacher\";\"course\";\"mother\";2;2;0;"
    "\"yes\";\"no\";\"no\";\"no\";\"yes\";\"yes\";\"no\";\"no\";4;3;4;1;1;3;6;\"5\";\"6\";6";
inline const std::vector<int> kRecordValues = {0, 0, 18, 0, 1, 1, 4, 4, 3, 0, 2, 0, 2, 2, 0, 1, 0,
                                               0, 0, 1, 1, 0, 0, 4, 3, 4, 1, 1, 3, 6, 5, 6, 6};

inline std::vector<std::string> split(const std::string& text, char delim)
{
    std::vector<std::string> parts(1);
    for (char c : text) {
        if (c == delim)
            parts.emplace_back();
        else
            parts.back() += c;
    }
    return parts;
}

inline std::string join(const std::vector<std::string>& parts, char delim)
{
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i ? std::string(1, delim) : std::string()) + parts[i];
    return out;
}

// kRecord with field `index` (dictionary order) replaced by `text` (written as is).
inline std::string record_with(int index, const std::string& text)
{
    std::vector<std::string> fields = split(kRecord, ';');
    fields.at(static_cast<std::size_t>(index)) = text;
    return join(fields, ';');
}

inline std::vector<int> values_of(const ParsedRow& row)
{
    return std::vector<int>(row.value, row.value + kColumnCount);
}

// Everything one run produced, in a form that compares and prints well.
struct Outcome {
    std::string dump;    // see dump_of()
    std::string error;   // DeliveryError text, empty when the file was accepted
    std::vector<ParsedRow> rows;
    std::vector<RejectedRow> rejects;
    std::uint64_t records_read = 0;
    std::uint64_t records_rejected = 0;
    char delimiter = 0;
};

inline void drain(DeliveryParser& parser, Outcome& out)
{
    out.rows.insert(out.rows.end(), parser.rows().begin(), parser.rows().end());
    out.rejects.insert(out.rejects.end(), parser.rejects().begin(), parser.rejects().end());
    parser.clear_output();
}

// Rows first, then rejects, then the error: independent of when each was drained.
inline std::string dump_of(const Outcome& out)
{
    std::string dump;
    for (const ParsedRow& row : out.rows) {
        dump += "row " + std::to_string(row.line) + ":";
        for (int v : values_of(row))
            dump += " " + std::to_string(v);
        if (row.missing != 0)
            dump += " missing=" + std::to_string(row.missing) + " nulls=" + std::to_string(row.nulls);
        dump += "\n";
    }
    for (const RejectedRow& r : out.rejects) {
        dump += "reject " + std::to_string(r.line) + ": " + r.reason + " | " + r.raw + " |";
        for (const RejectIssue& issue : r.issues)
            dump += " " + std::to_string(issue.column) + ":" + reject_rule_name(issue.rule) + ":" + issue.value;
        dump += "\n";
    }
    if (!out.error.empty())
        dump += "error: " + out.error + "\n";
    return dump;
}

// chunk == 0 means the whole text in one feed().
inline Outcome run_parser(const std::string& text, std::size_t chunk = 0, const ParserOptions& options = {})
{
    Outcome out;
    DeliveryParser parser(options);
    try {
        const std::size_t step = chunk == 0 ? text.size() : chunk;
        for (std::size_t at = 0; at < text.size(); at += step) {
            parser.feed(text.data() + at, std::min(step, text.size() - at));
            drain(parser, out);
        }
        parser.finish();
    } catch (const DeliveryError& e) {
        out.error = e.what();
    }
    drain(parser, out);
    out.dump = dump_of(out);
    out.records_read = parser.records_read();
    out.records_rejected = parser.records_rejected();
    out.delimiter = parser.delimiter();
    return out;
}

// The error a text produces (empty if none).
inline std::string error_of(const std::string& text, const ParserOptions& options = {})
{
    return run_parser(text, 0, options).error;
}

}  // namespace student_etl::test
