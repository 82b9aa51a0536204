// The quality of a delivery measured while it streams (delivery_quality.hpp), and the NULL
// rules of the per-run aggregates (student_metrics.hpp).
#include <gtest/gtest.h>

#include <string>

#include "student_metrics.hpp"
#include "test_support.hpp"

namespace student_etl {
namespace {

int col(const char* name) { return *find_column(name); }

std::string with(std::vector<std::pair<const char*, const char*>> changes)
{
    auto fields = test::split(test::kRecord, ';');
    for (const auto& [name, text] : changes)
        fields[static_cast<std::size_t>(col(name))] = text;
    return test::join(fields, ';');
}

const DeliveryQuality& quality_of(DeliveryParser& parser, const std::vector<std::string>& records)
{
    std::string text = test::kHeader + "\n";
    for (const std::string& r : records)
        text += r + "\n";
    parser.feed(text.data(), text.size());
    parser.finish();
    return parser.quality();
}

TEST(DeliveryQuality, DuplicatesAreIdenticalValuesWhateverTheSpelling)
{
    DeliveryParser parser;
    const DeliveryQuality& q = quality_of(parser, {
        test::kRecord,
        test::kRecord,                                        // identical text
        with({{"school", "gp"}, {"sex", "f"}, {"age", " 18"}}),   // same values, other spelling
        with({{"age", "17"}}),                                // differs in one value
        with({{"absences", "NA"}}),                           // NULL differs from 6 ...
        with({{"absences", "?"}}),                            // ... and equals another NULL
        with({{"school", "XX"}}),                             // rejected: not counted
    });
    EXPECT_EQ(q.duplicate_records(), 3u);
    EXPECT_EQ(q.distinct_records(), 3u);
    EXPECT_TRUE(q.duplicates_complete());
}

TEST(DeliveryQuality, PastTheCapDuplicatesAreNotAllCounted)
{
    ParserOptions options;
    options.max_distinct_records = 2;
    DeliveryParser parser(options);
    const DeliveryQuality& q = quality_of(parser, {
        with({{"age", "15"}}), with({{"age", "16"}}), with({{"age", "17"}}),
        with({{"age", "15"}}),   // remembered: counted
        with({{"age", "17"}}),   // past the cap: not remembered, not counted
    });
    EXPECT_EQ(q.duplicate_records(), 1u);
    EXPECT_EQ(q.distinct_records(), 2u);
    EXPECT_FALSE(q.duplicates_complete());
}

TEST(DeliveryQuality, ManyDistinctRecordsGrowTheTable)
{
    std::vector<std::string> records;
    for (int age = 15; age <= 22; ++age)
        for (int g1 = 0; g1 <= 20; ++g1)
            for (int absences = 0; absences <= 20; ++absences)
                records.push_back(with({{"age", std::to_string(age).c_str()}, {"G1", std::to_string(g1).c_str()},
                                        {"absences", std::to_string(absences).c_str()}}));
    const std::size_t distinct = records.size();
    for (std::size_t i = 0; i < distinct; i += 7)
        records.push_back(records[i]);
    DeliveryParser parser;
    const DeliveryQuality& q = quality_of(parser, records);
    EXPECT_EQ(q.distinct_records(), distinct);
    EXPECT_EQ(q.duplicate_records(), records.size() - distinct);
}

TEST(DeliveryQuality, MissingValuesPerColumnAndLikelyDropouts)
{
    ParserOptions options;
    ASSERT_EQ(options.missing.set(col("health"), MissingAction::UseDefault, "3"), "");
    DeliveryParser parser(options);
    const DeliveryQuality& q = quality_of(parser, {
        with({{"absences", "NA"}, {"health", ""}}),
        with({{"absences", "null"}}),
        with({{"G3", "0"}, {"absences", "0"}}),       // likely dropout
        with({{"G3", "0"}, {"absences", "NA"}}),      // unknown absences: not flagged
        with({{"G3", "0"}, {"absences", "2"}}),       // failed
        with({{"sex", "?"}, {"absences", "NA"}}),     // rejected: its missing values count as rejected
    });
    EXPECT_EQ(q.rows_with_missing(), 3u);
    EXPECT_EQ(q.likely_dropouts(), 1u);
    const auto& m = q.missing();
    EXPECT_EQ(m[col("absences")].kept_null, 3u);
    EXPECT_EQ(m[col("absences")].rejected, 0u);   // not reached: the reject names only sex
    EXPECT_EQ(m[col("health")].defaulted, 1u);
    EXPECT_EQ(m[col("sex")].rejected, 1u);
    EXPECT_EQ(m[col("g1")].kept_null + m[col("g1")].defaulted + m[col("g1")].rejected, 0u);
}

TEST(StudentRules, UnknownValuesMakeUnknownMetrics)
{
    DeliveryParser parser;
    test::Outcome out = test::run_parser(test::kHeader + "\n" +
                                         with({{"absences", "NA"}, {"failures", "1"}}) + "\n" +
                                         with({{"absences", "NA"}, {"G1", "15"}, {"G2", "15"}}) + "\n" +
                                         with({{"Dalc", "NA"}, {"G1", "NA"}}) + "\n");
    ASSERT_EQ(out.rows.size(), 3u);
    EXPECT_EQ(risk_of(out.rows[0]), Risk::Yes);       // a failure decides it
    EXPECT_EQ(risk_of(out.rows[1]), Risk::Unknown);   // on pace, no failure, absences unknown
    EXPECT_EQ(absence_band(out.rows[0]), -1);
    EXPECT_EQ(alcohol_week(out.rows[2]), -1);
    EXPECT_EQ(alcohol_level(out.rows[2]), -1);
    EXPECT_EQ(risk_of(out.rows[2]), Risk::Unknown);   // pace unknown, absences 6, no failure

    RunAggregates aggregates;
    for (const ParsedRow& row : out.rows)
        aggregates.add(row);
    const std::vector<FacetCell> cells = aggregates.cells();
    const FacetCell& all = cells.at(0);
    ASSERT_STREQ(all.facet, "all");
    EXPECT_EQ(all.sums.students, 3);
    EXPECT_EQ(all.sums.known_absences, 1);
    EXPECT_EQ(all.sums.sum_absences, 6);
    EXPECT_EQ(all.sums.known_g1, 2);
    EXPECT_EQ(all.sums.sum_g1, 5 + 15);
    EXPECT_EQ(all.sums.known_alcohol, 2);
    EXPECT_EQ(all.sums.known_at_risk, 1);
    EXPECT_EQ(all.sums.at_risk, 1);
    int unknown_absence_band = 0;
    for (const FacetCell& c : cells)
        if (std::string(c.facet) == "absence_band" && std::string(c.key[0]) == "unknown")
            unknown_absence_band = static_cast<int>(c.sums.students);
    EXPECT_EQ(unknown_absence_band, 2);
}

}  // namespace
}  // namespace student_etl
