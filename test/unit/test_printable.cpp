// printable(): what may go into a text column and into messages.
#include <gtest/gtest.h>

#include <string>

#include "delivery_parser.hpp"

namespace student_etl {
namespace {

std::string utf8(const std::string& s)
{
    return printable(s.data(), s.size(), false);
}

std::string ascii(const std::string& s)
{
    return printable(s.data(), s.size(), true);
}

TEST(Printable, PlainAsciiAndTabAreKept)
{
    EXPECT_EQ(utf8(""), "");
    EXPECT_EQ(utf8("\"GP\";18; x ~"), "\"GP\";18; x ~");
    EXPECT_EQ(utf8("a\tb"), "a\tb");
    EXPECT_EQ(ascii("a\tb"), "a\tb");
}

TEST(Printable, ControlCharactersAreEscaped)
{
    EXPECT_EQ(utf8(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(utf8("a\r\nb"), "a\\x0d\\x0ab");
    EXPECT_EQ(utf8("\x1b[31m"), "\\x1b[31m");
    EXPECT_EQ(utf8("\x7f"), "\\x7f");
    EXPECT_EQ(utf8("\x01\x1f"), "\\x01\\x1f");
}

TEST(Printable, BackslashIsDoubled)
{
    EXPECT_EQ(utf8("a\\b"), "a\\\\b");
    EXPECT_EQ(utf8("\\x00"), "\\\\x00");   // never confused with an escape we wrote
}

TEST(Printable, ValidUtf8IsKept)
{
    EXPECT_EQ(utf8("Jo\xC3\xA3o"), "Jo\xC3\xA3o");                 // 2 bytes
    EXPECT_EQ(utf8("\xE2\x80\xA6"), "\xE2\x80\xA6");               // 3 bytes (ellipsis)
    EXPECT_EQ(utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");       // 4 bytes
    EXPECT_EQ(utf8("\xEF\xBB\xBF"), "\xEF\xBB\xBF");               // U+FEFF inside a value
    EXPECT_EQ(utf8("\xF4\x8F\xBF\xBF"), "\xF4\x8F\xBF\xBF");       // U+10FFFF
}

TEST(Printable, InvalidUtf8IsEscapedBytewise)
{
    EXPECT_EQ(utf8("\xC3"), "\\xc3");                       // truncated at the end
    EXPECT_EQ(utf8("\xC3("), "\\xc3(");                     // bad continuation
    EXPECT_EQ(utf8("\xA9"), "\\xa9");                       // lone continuation
    EXPECT_EQ(utf8("\xC0\xAF"), "\\xc0\\xaf");              // overlong '/'
    EXPECT_EQ(utf8("\xE0\x80\xAF"), "\\xe0\\x80\\xaf");     // overlong, 3 bytes
    EXPECT_EQ(utf8("\xED\xA0\x80"), "\\xed\\xa0\\x80");     // surrogate U+D800
    EXPECT_EQ(utf8("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");   // above U+10FFFF
    EXPECT_EQ(utf8("\xFF\xFE"), "\\xff\\xfe");
    EXPECT_EQ(utf8("\xE2\x80"), "\\xe2\\x80");              // truncated 3-byte sequence
}

TEST(Printable, C1ControlsAreEscaped)
{
    EXPECT_EQ(utf8("\xC2\x85"), "\\xc2\\x85");   // U+0085 NEXT LINE
    EXPECT_EQ(utf8("\xC2\xA0"), "\xC2\xA0");     // U+00A0 is printable
}

TEST(Printable, AsciiOnlyEscapesEveryHighByte)
{
    EXPECT_EQ(ascii("Jo\xC3\xA3o"), "Jo\\xc3\\xa3o");
    EXPECT_EQ(ascii("\xFF"), "\\xff");
    EXPECT_EQ(ascii("a\\b\n"), "a\\\\b\\x0a");
}

TEST(Printable, NullPointerWithZeroLength)
{
    EXPECT_EQ(printable(nullptr, 0, false), "");
}

}  // namespace
}  // namespace student_etl
