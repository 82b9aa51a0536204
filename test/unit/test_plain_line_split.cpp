// Lines of plain fields are split by DeliveryParser itself, not by libcsv (the loader's common
// case, split_plain_lines): the outcome must be exactly libcsv's, for every fixture, the bad
// corpus, and the awkward places of unquoted and quoted fields.
#include <gtest/gtest.h>

#include <dirent.h>
#include <cstdint>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace student_etl {
namespace {

std::string split_by_parser(const std::string& text, std::size_t chunk = 0)
{
    return test::dump_of(test::run_parser(text, chunk));
}

std::string split_by_libcsv(const std::string& text)
{
    ParserOptions libcsv_only;
    libcsv_only.split_plain_lines = false;
    return test::dump_of(test::run_parser(text, 0, libcsv_only));
}

std::vector<std::string> csv_files(const std::string& dir)
{
    std::vector<std::string> names;
    if (DIR* d = opendir((test::data_dir() + "/" + dir).c_str())) {
        while (dirent* e = readdir(d)) {
            const std::string name = e->d_name;
            if (name.size() > 4 && name.compare(name.size() - 4, 4, ".csv") == 0)
                names.push_back(dir.empty() ? name : dir + "/" + name);
        }
        closedir(d);
    }
    return names;
}

TEST(PlainLineSplit, EveryFixtureAndBadFileAsLibcsvSplitsIt)
{
    std::vector<std::string> files = csv_files("");
    const std::vector<std::string> bad = csv_files("bad");
    files.insert(files.end(), bad.begin(), bad.end());
    ASSERT_GT(files.size(), 20u);
    for (const std::string& name : files) {
        const std::string text = test::read_fixture(name);
        EXPECT_EQ(split_by_parser(text), split_by_libcsv(text)) << name;
    }
}

TEST(PlainLineSplit, AwkwardUnquotedFieldsAsLibcsvSplitsThem)
{
    const std::string plain = test::join(test::split(test::kRecord, ';'), ';');
    std::string unquoted;
    for (char c : test::kRecord)
        if (c != '"')
            unquoted += c;
    const std::vector<std::string> records = {
        unquoted,
        test::record_with(2, "  18\t"),           // spaces and tabs around a value
        test::record_with(2, " \t "),             // only blanks: empty
        test::record_with(2, ""),                 // empty
        unquoted + ";",                           // a trailing delimiter: one field too many
        unquoted.substr(0, unquoted.rfind(';')),  // one too few
        test::record_with(8, "at home"),          // a space inside
        test::record_with(8, std::string("at\0home", 7)),   // a NUL byte
        test::record_with(8, "\xC3\xA9t\xC3\xA9"),          // UTF-8
        test::record_with(8, "\xFF\xFE"),                   // not UTF-8
        test::record_with(3, "U\"x"),             // a quote inside an unquoted field
        "   " + unquoted,                         // leading blanks on the line
        plain,                                    // quoted fields
        test::record_with(0, " \t\"GP\""),        // blanks before a quoted field
        test::record_with(0, "\"GP\" "),          // a blank after the closing quote
        test::record_with(0, "\"GP\"x"),          // text after the closing quote
        test::record_with(0, "\"G\"\"P\""),       // a doubled quote inside
        test::record_with(0, "\"\""),              // an empty quoted field
        test::record_with(8, "\"at;home\""),      // the delimiter inside quotes
        test::record_with(8, "\" at_home \""),    // blanks inside quotes are kept
        test::record_with(8, "\"at_home"),        // a quote left open
        plain + ";\"\"",                          // one quoted field too many
    };
    for (const char* line_end : {"\n", "\r\n", "\r"}) {
        std::string text = test::kHeader + line_end;
        for (const std::string& r : records)
            text += r + line_end;
        EXPECT_EQ(split_by_parser(text), split_by_libcsv(text)) << "line end " << int(line_end[0]);
        for (std::size_t chunk : {1u, 7u, 64u})
            EXPECT_EQ(split_by_parser(text, chunk), split_by_libcsv(text)) << "chunk " << chunk;
    }
    // A comma file, unquoted, as real deliveries arrive.
    std::string comma = test::join(test::split(test::kHeader, ';'), ',') + "\n";
    comma += test::join(test::split(unquoted, ';'), ',') + "\n";
    EXPECT_EQ(split_by_parser(comma), split_by_libcsv(comma));
    EXPECT_NE(split_by_parser(comma).find("row 2:"), std::string::npos);
}

// Random records built from the pieces that decide a split -- quotes, delimiters, blanks, long
// and empty fields -- around the 16-byte blocks and 64-bit words the classifying splitter
// works in: both splitters must give libcsv's fields, or leave the line to it.
TEST(PlainLineSplit, RandomAwkwardRecordsAsLibcsvSplitsThem)
{
    const std::vector<std::string> pieces = {"GP", "18", "\"GP\"", "\"\"", "", " ", "\t", "\"", "a\"b",
                                             "\"a;b\"", "\"a\"\"b\"", " \"U\"", "\"U\" ", "\"U\"x",
                                             "\"a\"\"", std::string(15, 'x'), std::string(17, 'y'), std::string(63, 'z'),
                                             "\"" + std::string(40, 'q') + "\"", ";", "at home"};
    const std::vector<std::string> fields = test::split(test::kRecord, ';');
    std::uint64_t state = 42;
    auto rnd = [&state](std::size_t below) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<std::size_t>((state >> 33) % below);
    };
    std::string text = test::kHeader + "\n";
    for (int r = 0; r < 3000; ++r) {
        std::vector<std::string> record = fields;
        for (std::size_t changes = 1 + rnd(3); changes > 0; --changes)
            record[rnd(record.size())] = pieces[rnd(pieces.size())];
        if (rnd(4) == 0)
            record.resize(record.size() - 1 + rnd(3));   // one field fewer, or more
        text += test::join(record, ';') + "\n";
    }
    EXPECT_EQ(split_by_parser(text), split_by_libcsv(text));
    EXPECT_EQ(split_by_parser(text, 4096), split_by_libcsv(text));
}

}  // namespace
}  // namespace student_etl
