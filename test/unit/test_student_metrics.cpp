// The per-student rules and the per-run aggregates of student_metrics.hpp. The SQL side of
// the same rules is checked against these cells in the pg_regress suite (08_metrics).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "student_metrics.hpp"

namespace student_etl {
namespace {

int col(const char* name) { return *find_column(name); }

// A valid student: values are stored as the parser stores them (codes as indexes).
ParsedRow student()
{
    ParsedRow r{};
    r.line = 2;
    r.value[col("age")] = 16;
    r.value[col("medu")] = 2;
    r.value[col("fedu")] = 3;
    r.value[col("traveltime")] = 1;
    r.value[col("studytime")] = 2;
    r.value[col("famrel")] = 4;
    r.value[col("freetime")] = 3;
    r.value[col("goout")] = 3;
    r.value[col("dalc")] = 1;
    r.value[col("walc")] = 1;
    r.value[col("health")] = 3;
    r.value[col("absences")] = 4;
    r.value[col("g1")] = 12;
    r.value[col("g2")] = 11;
    r.value[col("g3")] = 12;
    return r;
}

TEST(StudentRules, AtRiskOnFailuresPaceOrAbsences)
{
    ParsedRow r = student();
    EXPECT_FALSE(at_risk(r));
    r.value[col("failures")] = 1;
    EXPECT_TRUE(at_risk(r));
    r = student();
    r.value[col("g1")] = 10;
    r.value[col("g2")] = 9;   // mean 9.5: failing pace
    EXPECT_TRUE(at_risk(r));
    r.value[col("g2")] = 10;  // mean 10: on pace
    EXPECT_FALSE(at_risk(r));
    r.value[col("absences")] = 19;
    EXPECT_FALSE(at_risk(r));
    r.value[col("absences")] = 20;
    EXPECT_TRUE(at_risk(r));
}

TEST(StudentRules, AlcoholLevelThresholds)
{
    ParsedRow r = student();
    EXPECT_EQ(alcohol_week(r), 7);
    EXPECT_EQ(alcohol_level(r), 0);
    r.value[col("walc")] = 3;   // 5 + 6 = 11: index 1.57
    EXPECT_EQ(alcohol_level(r), 0);
    r.value[col("dalc")] = 2;   // 10 + 6 = 16: index 2.29
    EXPECT_EQ(alcohol_level(r), 1);
    r.value[col("dalc")] = 3;   // 15 + 6 = 21: index 3.00
    EXPECT_EQ(alcohol_level(r), 2);
}

TEST(StudentRules, BandsAndParentEducation)
{
    ParsedRow r = student();
    const int expected[][2] = {{0, 0}, {1, 1}, {5, 1}, {6, 2}, {15, 2}, {16, 3}, {93, 3}};
    for (const auto& e : expected) {
        r.value[col("absences")] = static_cast<std::int16_t>(e[0]);
        EXPECT_EQ(absence_band(r), e[1]) << e[0] << " absences";
    }
    EXPECT_EQ(parent_education(r), 3);
    r.value[col("medu")] = 4;
    EXPECT_EQ(parent_education(r), 4);
}

const FacetCell* find(const std::vector<FacetCell>& cells, const char* facet, const char* k1,
                      const char* k2 = "", const char* k3 = "")
{
    for (const FacetCell& c : cells)
        if (!std::strcmp(c.facet, facet) && !std::strcmp(c.key[0], k1) && !std::strcmp(c.key[1], k2) &&
            !std::strcmp(c.key[2], k3))
            return &c;
    return nullptr;
}

TEST(RunAggregates, CellsAreAdditiveAndLabelled)
{
    RunAggregates agg;
    ParsedRow a = student();
    ParsedRow b = student();
    b.value[col("sex")] = 1;        // M
    b.value[col("school")] = 1;     // MS
    b.value[col("g3")] = 8;         // failed
    b.value[col("failures")] = 2;   // at risk
    b.value[col("absences")] = 30;
    agg.add(a);
    agg.add(b);
    const std::vector<FacetCell> cells = agg.cells();

    const FacetCell* all = find(cells, "all", "");
    ASSERT_NE(all, nullptr);
    EXPECT_EQ(all->sums.students, 2);
    EXPECT_EQ(all->sums.passed, 1);
    EXPECT_EQ(all->sums.at_risk, 1);
    EXPECT_EQ(all->sums.sum_g3, 20);
    EXPECT_EQ(all->sums.sum_absences, 34);
    EXPECT_EQ(all->sums.sum_alcohol_week, 14);

    ASSERT_NE(find(cells, "school", "GP"), nullptr);
    EXPECT_EQ(find(cells, "school", "MS")->sums.passed, 0);
    EXPECT_EQ(find(cells, "study_time", "2-5h")->sums.students, 2);
    EXPECT_EQ(find(cells, "absence_band", "high")->sums.students, 1);
    EXPECT_EQ(find(cells, "parent_education", "secondary")->sums.students, 2);
    EXPECT_EQ(find(cells, "q1_sex_age_mjob", "M", "16", "teacher")->sums.students, 1);
    EXPECT_EQ(find(cells, "q5_famrel_sex_absences", "4", "F", "4")->sums.students, 1);
    EXPECT_EQ(find(cells, "q5_famrel_sex_absences", "4", "M", "30")->sums.students, 1);
    EXPECT_EQ(find(cells, "school", "XX"), nullptr);
    // Empty cells are not listed: 17 facets, at most 2 cells each here.
    EXPECT_EQ(find(cells, "grades_school_g3", "GP", "12")->sums.students, 1);
    EXPECT_EQ(find(cells, "grades_school_g3", "MS", "8")->sums.passed, 0);
    EXPECT_LE(cells.size(), 34u);
}

}  // namespace
}  // namespace student_etl
