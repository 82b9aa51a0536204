// Missing values (missing_values.hpp): what counts as missing, and the per-column policy --
// reject, keep as NULL, or a default -- applied by the parser.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace student_etl {
namespace {

using test::kHeader;
using test::kRecord;
using test::record_with;
using test::run_parser;

int col(const char* name) { return *find_column(name); }

test::Outcome parse_one(const std::string& record, const ParserOptions& options = {})
{
    return run_parser(kHeader + "\n" + record + "\n", 0, options);
}

bool missing(const MissingPolicy& policy, const std::string& text)
{
    return policy.is_missing(reinterpret_cast<const unsigned char*>(text.data()), text.size());
}

TEST(MissingValues, ShippedPolicyRejectsOnlyTheIdentifyingAttributesAndG3)
{
    const MissingPolicy policy;
    std::vector<std::string> rejected;
    for (int c = 0; c < kColumnCount; ++c) {
        if (policy.action(c) == MissingAction::Reject)
            rejected.emplace_back(kColumns[c].name);
        else
            EXPECT_EQ(policy.action(c), MissingAction::KeepNull) << kColumns[c].name;
        EXPECT_EQ(column_required(c), policy.action(c) == MissingAction::Reject) << kColumns[c].name;
    }
    EXPECT_EQ(rejected, (std::vector<std::string>{"school", "sex", "age", "address", "famsize", "pstatus", "medu",
                                                  "fedu", "mjob", "fjob", "reason", "nursery", "internet", "g3"}));
}

TEST(MissingValues, MarkersMatchWholeAndInAnyCase)
{
    const MissingPolicy policy;
    for (const char* text : {"", "NA", "na", "N/A", "n/a", "null", "NULL", "Null", "?"})
        EXPECT_TRUE(missing(policy, text)) << text;
    for (const char* text : {"N", "NAN", "none", "??", "0", "nul", "N/A "})
        EXPECT_FALSE(missing(policy, text)) << text;
}

TEST(MissingValues, MarkerListIsConfigurable)
{
    EXPECT_EQ(parse_marker_list(" NA , -, ,missing,"), (std::vector<std::string>{"NA", "-", "missing"}));
    EXPECT_EQ(parse_marker_list(kDefaultMissingMarkers), (std::vector<std::string>{"NA", "N/A", "null", "?"}));
    MissingPolicy policy;
    policy.set_markers(parse_marker_list("-,missing"));
    EXPECT_TRUE(missing(policy, "-"));
    EXPECT_TRUE(missing(policy, "MISSING"));
    EXPECT_TRUE(missing(policy, ""));   // the empty field always is
    EXPECT_FALSE(missing(policy, "NA"));
    policy.set_markers(parse_marker_list(std::string(64, 'x')));   // too long to ever match
    EXPECT_FALSE(missing(policy, std::string(64, 'x')));
}

TEST(MissingValues, KeptAsNullWithTheirBitsSet)
{
    const auto fields = test::split(kRecord, ';');
    auto bad = fields;
    bad[static_cast<std::size_t>(col("absences"))] = "NA";
    bad[static_cast<std::size_t>(col("g1"))] = "\"\"";
    bad[static_cast<std::size_t>(col("romantic"))] = "?";
    bad[static_cast<std::size_t>(col("dalc"))] = "null";
    const test::Outcome out = parse_one(test::join(bad, ';'));
    ASSERT_EQ(out.rows.size(), 1u);
    ASSERT_TRUE(out.rejects.empty());
    const ParsedRow& row = out.rows[0];
    const std::uint64_t expected = (1ULL << col("absences")) | (1ULL << col("g1")) | (1ULL << col("romantic")) |
                                   (1ULL << col("dalc"));
    EXPECT_EQ(row.missing, expected);
    EXPECT_EQ(row.nulls, expected);
    EXPECT_TRUE(is_null(row, col("absences")));
    EXPECT_FALSE(is_null(row, col("g2")));
    EXPECT_EQ(row.value[col("absences")], 0);
    EXPECT_EQ(row.value[col("g2")], 6);
}

TEST(MissingValues, IdentifyingAttributesAndG3AreRejected)
{
    EXPECT_EQ(parse_one(record_with(col("school"), "NA")).rejects.at(0).reason, "column \"school\": missing value \"NA\"");
    EXPECT_EQ(parse_one(record_with(col("internet"), "?")).rejects.at(0).reason, "column \"internet\": missing value \"?\"");
    EXPECT_EQ(parse_one(record_with(col("g3"), "")).rejects.at(0).reason, "column \"G3\": empty value");
    const test::Outcome out = parse_one(record_with(col("medu"), "n/a"));
    ASSERT_EQ(out.rejects.size(), 1u);
    ASSERT_EQ(out.rejects[0].issues.size(), 1u);
    EXPECT_EQ(out.rejects[0].issues[0].rule, RejectRule::MissingValue);
    EXPECT_EQ(out.rejects[0].issues[0].value, "n/a");
}

TEST(MissingValues, PolicyChangesWhatAMissingValueBecomes)
{
    ParserOptions options;
    EXPECT_EQ(options.missing.set(col("absences"), MissingAction::UseDefault, "0"), "");
    EXPECT_EQ(options.missing.set(col("g1"), MissingAction::Reject), "");
    EXPECT_EQ(options.missing.set(col("school"), MissingAction::UseDefault, "ms"), "");
    test::Outcome out = parse_one(record_with(col("absences"), "NA"), options);
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(out.rows[0].value[col("absences")], 0);
    EXPECT_EQ(out.rows[0].missing, 1ULL << col("absences"));
    EXPECT_EQ(out.rows[0].nulls, 0u);
    out = parse_one(record_with(col("school"), ""), options);
    ASSERT_EQ(out.rows.size(), 1u);
    EXPECT_EQ(out.rows[0].value[col("school")], 1);   // MS
    EXPECT_EQ(parse_one(record_with(col("g1"), "NA"), options).rejects.at(0).reason,
              "column \"G1\": missing value \"NA\"");
    // A value that is present is never touched by the policy.
    EXPECT_EQ(parse_one(record_with(col("absences"), "7"), options).rows.at(0).value[col("absences")], 7);
}

TEST(MissingValues, PolicyRefusesWhatTheTableCannotHold)
{
    MissingPolicy policy;
    EXPECT_NE(policy.set(col("g3"), MissingAction::KeepNull), "");
    EXPECT_NE(policy.set(col("school"), MissingAction::KeepNull), "");
    EXPECT_EQ(policy.set(col("age"), MissingAction::UseDefault, "23"), "default value: column \"age\": 23 is out of range 15..22");
    EXPECT_EQ(policy.set(col("famrel"), MissingAction::UseDefault, ""), "default value: column \"famrel\": empty value");
    EXPECT_EQ(policy.action(col("g3")), MissingAction::Reject);
    EXPECT_EQ(policy.action(col("famrel")), MissingAction::KeepNull);
    EXPECT_EQ(parse_missing_action("keep_null"), MissingAction::KeepNull);
    EXPECT_EQ(parse_missing_action("default"), MissingAction::UseDefault);
    EXPECT_FALSE(parse_missing_action("ignore"));
}

TEST(MissingValues, SameOutcomeWhateverTheChunking)
{
    auto bad = test::split(kRecord, ';');
    bad[static_cast<std::size_t>(col("absences"))] = "NA";
    std::string text = kHeader + "\n";
    for (int i = 0; i < 50; ++i)
        text += (i % 2 ? test::join(bad, ';') : record_with(i % 3 ? col("sex") : col("g2"), "?")) + "\n";
    const std::string whole = run_parser(text).dump;
    for (std::size_t chunk : {1, 2, 7, 64})
        EXPECT_EQ(run_parser(text, chunk).dump, whole) << chunk;
}

}  // namespace
}  // namespace student_etl
