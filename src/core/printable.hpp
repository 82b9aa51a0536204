// Bytes made safe to store in a text column and to quote in a message. Pure C++.
#pragma once

#include <cstddef>
#include <string>

namespace student_etl {

// Bytes made safe to store in a text column and to quote in a message: valid UTF-8 kept
// (unless ascii_only), anything else -- invalid sequences, NUL, control characters other
// than tab -- written as \xNN; a backslash is written as \\ .
std::string printable(const char* data, std::size_t len, bool ascii_only);

// Appends the printable form of s[0..n) to out, growing it by at most max_out bytes and never
// splitting an escape or a UTF-8 sequence. Returns how many input bytes it used.
std::size_t append_printable(std::string& out, const unsigned char* s, std::size_t n, bool ascii_only,
                             std::size_t max_out);

// `"value"` for a message, printable and cut at kQuotedValueBytes; a trailing ... says it was cut.
constexpr std::size_t kQuotedValueBytes = 64;
void append_quoted(std::string& out, const unsigned char* s, std::size_t n, bool ascii_only);

}  // namespace student_etl
