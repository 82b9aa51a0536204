// See printable.hpp.
#include "printable.hpp"

#include <cstdint>
#include <limits>

namespace student_etl {

namespace {

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

}  // namespace

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

void append_quoted(std::string& out, const unsigned char* s, std::size_t n, bool ascii_only)
{
    out.push_back('"');
    const std::size_t used = append_printable(out, s, n, ascii_only, kQuotedValueBytes);
    out.push_back('"');
    if (used < n)
        out += "...";
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
