// convert_plain, the loader's inline common case, against convert_field_in_full: whatever it
// accepts must get convert_field_in_full's value, with no problem and no missing bit; and it
// must accept the dictionary's own spellings, or the fast path would silently never run.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "field_values.hpp"

namespace student_etl {
namespace {

// Every column's own values, and the near misses around them.
std::vector<std::string> corpus()
{
    std::vector<std::string> texts = {"", " ", "yes", "no", "YES", "No", "y", "n", "yes ", " no", "NA", "N/A",
                                      "null", "?", "-1", "+1", "1.0", "1e1", "00", "05", "000", "100",
                                      "999", "18 ", "\"GP\"", "x"};
    for (int v = 0; v < 100; ++v)
        texts.push_back(std::to_string(v));
    for (const ColumnSpec& column : kColumns) {
        for (std::uint8_t k = 0; k < column.ncodes; ++k) {
            const std::string code(column.codes[k]);
            texts.push_back(code);
            std::string upper = code;
            for (char& c : upper)
                c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
            texts.push_back(upper);
            texts.push_back(code + "x");
            texts.push_back(code.substr(0, code.size() - 1));
        }
    }
    return texts;
}

void expect_agreement(const MissingPolicy& policy, int* accepted)
{
    for (const std::string& text : corpus()) {
        const auto* s = reinterpret_cast<const unsigned char*>(text.data());
        for (int slot = 0; slot < kColumnCount; ++slot) {
            ParsedRow fast{};
            if (!convert_plain(slot, s, text.size(), policy, fast))
                continue;
            ++*accepted;
            ParsedRow full{};
            RejectedRow problems;
            convert_field_in_full(slot, s, text.size(), false, policy, full, problems);
            EXPECT_TRUE(problems.issues.empty()) << kColumns[slot].name << " \"" << text << "\"";
            EXPECT_EQ(full.missing, 0u) << kColumns[slot].name << " \"" << text << "\"";
            EXPECT_EQ(fast.value[slot], full.value[slot]) << kColumns[slot].name << " \"" << text << "\"";
        }
    }
}

TEST(FieldValues, PlainConversionAgreesWithTheFullOne)
{
    int accepted = 0;
    expect_agreement(MissingPolicy{}, &accepted);
    EXPECT_GT(accepted, 300);   // 309: the corpus exercises the fast path, not only its refusals
}

TEST(FieldValues, PlainConversionLeavesConfiguredMarkersToThePolicy)
{
    // Markers that are also valid values: they are missing, never converted inline.
    MissingPolicy policy;
    policy.set_markers(parse_marker_list("0,yes,GP,99"));
    int accepted = 0;
    expect_agreement(policy, &accepted);
    const std::vector<std::pair<const char*, int>> markers = {{"0", *find_column("failures")},
                                                              {"yes", *find_column("paid")},
                                                              {"GP", *find_column("school")}};
    for (const auto& [text, slot] : markers) {
        ParsedRow row{};
        EXPECT_FALSE(convert_plain(slot, reinterpret_cast<const unsigned char*>(text), std::strlen(text), policy, row))
            << text;
    }
}

TEST(FieldValues, PlainConversionTakesTheDictionarysSpellings)
{
    const MissingPolicy policy;
    for (int slot = 0; slot < kColumnCount; ++slot) {
        const ColumnSpec& column = kColumns[slot];
        std::vector<std::string> own;
        switch (column.kind) {
        case Kind::Int: own = {std::to_string(column.min), std::to_string(column.max)}; break;
        case Kind::YesNo: own = {"yes", "no"}; break;
        case Kind::Code:
            for (std::uint8_t k = 0; k < column.ncodes; ++k)
                own.emplace_back(column.codes[k]);
            break;
        }
        for (const std::string& text : own) {
            ParsedRow row{};
            EXPECT_TRUE(convert_plain(slot, reinterpret_cast<const unsigned char*>(text.data()), text.size(), policy, row))
                << column.name << " \"" << text << "\"";
        }
    }
}

}  // namespace
}  // namespace student_etl
