// See line_split.hpp. Two ways, the first tried first:
//  * classified: for lines up to 256 bytes, the positions of every delimiter and quote are
//    found 16 bytes at a time (SSE2, which every x86-64 has; a byte loop elsewhere) into bit
//    masks, and the fields read off the set bits. No branch per byte, few per field. It takes
//    only fields without blanks around them and quotes only at both ends.
//  * byte by byte: everything else that is plain (blanks around fields, long lines).
#include "line_split.hpp"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace student_etl {

namespace {

constexpr std::size_t kMaskWords = 4;   // lines of up to 256 bytes
constexpr unsigned char kQuote = '"';

inline bool blank(unsigned char c) noexcept
{
    return c == ' ' || c == '\t';
}

// Bit i of mask[i / 64]: byte i is the delimiter or a quote. The caller zeroes mask.
void classify(const unsigned char* p, std::size_t n, unsigned char delim, std::uint64_t* mask) noexcept
{
#if defined(__SSE2__)
    const __m128i d = _mm_set1_epi8(static_cast<char>(delim));
    const __m128i q = _mm_set1_epi8(static_cast<char>(kQuote));
    auto bits = [&](const unsigned char* at) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
        return static_cast<std::uint64_t>(static_cast<unsigned>(
            _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)))));
    };
    if (n >= 16) {
        std::size_t i = 0;
        for (; i + 16 <= n; i += 16)
            mask[i / 64] |= bits(p + i) << (i % 64);
        // The last bytes: the 16 that end the line, shifted to drop those already seen
        // (never a read past the line, which could leave the read buffer; never a copy,
        // whose load would stall on the stores).
        if (i < n)
            mask[i / 64] |= (bits(p + n - 16) >> (16 - (n - i))) << (i % 64);
        return;
    }
#endif
    for (std::size_t i = 0; i < n; ++i)
        if (p[i] == delim || p[i] == kQuote)
            mask[i / 64] |= std::uint64_t{1} << (i % 64);
}

bool split_classified(const unsigned char* p, std::size_t n, unsigned char delim, FieldSpan* fields,
                      std::size_t* count) noexcept
{
    std::uint64_t mask[kMaskWords] = {};
    classify(p, n, delim, mask);
    std::size_t word = 0;
    std::uint64_t bits = mask[0];
    // The next delimiter or quote, in order; n when there is none left.
    auto next = [&]() -> std::size_t {
        while (bits == 0) {
            if (++word == kMaskWords)
                return n;
            bits = mask[word];
        }
        const std::size_t at = word * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
        bits &= bits - 1;
        return at;
    };
    std::size_t k = 0;
    std::size_t start = 0;
    for (;;) {
        if (k == kMaxSplitFields)
            return false;
        const std::size_t c = next();
        if (c < n && p[c] == kQuote) {
            // Quoted: the quote opens the field, the next one closes it, a delimiter (or the
            // line's end) follows at once.
            const std::size_t close = c == start ? next() : n;
            if (close >= n || p[close] != kQuote)
                return false;   // a quote inside a field, a delimiter inside quotes, unclosed
            fields[k++] = FieldSpan{p + start + 1, close - start - 1};
            const std::size_t after = next();
            if (after >= n) {
                if (close + 1 != n)
                    return false;   // text after the closing quote
                break;
            }
            if (after != close + 1 || p[after] == kQuote)
                return false;       // text after the closing quote, or a doubled quote
            start = after + 1;
        } else {
            if (c > start && (blank(p[start]) || blank(p[c - 1])))
                return false;       // blanks to trim: byte by byte
            fields[k++] = FieldSpan{p + start, c - start};
            if (c >= n)
                break;
            start = c + 1;
        }
    }
    *count = k;
    return true;
}

bool split_bytewise(const unsigned char* p, std::size_t n, unsigned char delim, FieldSpan* fields,
                    std::size_t* count) noexcept
{
    std::size_t k = 0;
    const unsigned char* end = p + n;
    for (;;) {
        if (k == kMaxSplitFields)
            return false;
        while (p < end && blank(*p))
            ++p;
        const unsigned char* next;   // just after this field's delimiter, or null at the end
        if (p < end && *p == kQuote) {
            const unsigned char* close = p + 1;
            while (close < end && *close != kQuote)
                ++close;
            if (close == end)
                return false;
            fields[k++] = FieldSpan{p + 1, static_cast<std::size_t>(close - p - 1)};
            if (close + 1 == end)
                next = nullptr;
            else if (close[1] == delim)
                next = close + 2;
            else
                return false;
        } else {
            const unsigned char* field_end = p;
            while (field_end < end && *field_end != delim && *field_end != kQuote)
                ++field_end;
            if (field_end < end && *field_end == kQuote)
                return false;
            const unsigned char* stop = field_end < end ? field_end : nullptr;
            const unsigned char* e = field_end;
            while (e > p && blank(e[-1]))
                --e;
            fields[k++] = FieldSpan{p, static_cast<std::size_t>(e - p)};
            next = stop ? stop + 1 : nullptr;
        }
        if (next == nullptr)
            break;
        p = next;
    }
    *count = k;
    return true;
}

}  // namespace

bool split_plain_line(const unsigned char* p, std::size_t n, unsigned char delim, FieldSpan* fields,
                      std::size_t* count) noexcept
{
    if (n <= kMaskWords * 64 && split_classified(p, n, delim, fields, count))
        return true;
    return split_bytewise(p, n, delim, fields, count);
}

}  // namespace student_etl
