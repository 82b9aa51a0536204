// See header_binding.hpp.
#include "header_binding.hpp"

#include <optional>
#include <string_view>

#include "printable.hpp"

namespace student_etl {

namespace {

constexpr std::size_t kMaxListedNames = 10;   // header errors list at most this many names per kind

void list_name(std::string& list, std::size_t& count, const unsigned char* s, std::size_t n, bool ascii_only)
{
    if (count < kMaxListedNames) {
        if (!list.empty())
            list += ", ";
        append_quoted(list, s, n, ascii_only);
    }
    ++count;
}

}  // namespace

std::string at_line(std::uint64_t line)
{
    return "line " + std::to_string(line) + ": ";
}

bool HeaderScanner::scan(unsigned char c, std::uint64_t header_line)
{
    const bool blank = c == ' ' || c == '\t';
    const bool boundary = c == ';' || c == ',';
    const bool line_end = c == '\r' || c == '\n';
    switch (state_) {
    case State::Quoted:
        if (c == '"')
            state_ = State::QuoteSeen;
        else if (line_end)   // a line end ends every record, the header included
            throw DeliveryError(at_line(header_line) + "unterminated quoted field");
        return false;
    case State::QuoteSeen:
        if (c == '"') {
            state_ = State::Quoted;   // "" inside quotes
            return false;
        }
        [[fallthrough]];
    case State::AfterQuote:
        if (blank) {
            state_ = State::AfterQuote;
            return false;
        }
        if (!boundary && !line_end)
            throw DeliveryError(at_line(header_line) + "malformed quoting in header");
        break;
    case State::FieldStart:
        if (c == '"') {
            state_ = State::Quoted;
            return false;
        }
        if (blank)
            return false;
        break;
    case State::Unquoted:
        if (c == '"')
            throw DeliveryError(at_line(header_line) + "malformed quoting in header");
        break;
    }
    if (boundary) {
        ++(c == ';' ? semicolons_ : commas_);
        state_ = State::FieldStart;
        return false;
    }
    if (line_end)
        return true;
    state_ = State::Unquoted;
    return false;
}

char HeaderScanner::choose_delimiter(std::uint64_t header_line) const
{
    constexpr std::size_t kWanted = kColumnCount - 1;
    if (semicolons_ == kWanted)
        return ';';
    if (commas_ == kWanted)
        return ',';
    if (semicolons_ == 0 && commas_ == 0)
        throw DeliveryError(at_line(header_line) + "no delimiter found (expected ';' or ',')");
    return semicolons_ >= commas_ ? ';' : ',';
}

void HeaderBinding::add(const unsigned char* s, std::size_t n, bool ascii_only)
{
    const std::size_t index = fields_++;
    const std::optional<int> column = find_column(std::string_view(reinterpret_cast<const char*>(s), n));
    if (!column) {
        list_name(unknown_names_, unknown_count_, s, n, ascii_only);
    } else if (seen_[*column]) {
        list_name(duplicate_names_, duplicate_count_, s, n, ascii_only);
    } else {
        seen_[*column] = true;
        // A column first seen past position 33 means an earlier name was unknown or a
        // duplicate: check() rejects this header anyway.
        if (index < kColumnCount)
            slot_of_[index] = static_cast<std::uint8_t>(*column);
    }
}

void HeaderBinding::check() const
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
        if (seen_[c])
            continue;
        if (missing_count++ < kMaxListedNames) {
            if (!missing.empty())
                missing += ", ";
            missing += '"';
            missing += kColumns[c].header;
            missing += '"';
        }
    }
    clause("unknown column", unknown_names_, unknown_count_);
    clause("duplicate column", duplicate_names_, duplicate_count_);
    clause("missing required column", missing, missing_count);
    if (!message.empty())
        throw DeliveryError(message);
}

}  // namespace student_etl
