// The dictionary table and the name look-ups.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

#include "schema.hpp"

namespace student_etl {
namespace {

TEST(Schema, ColumnsFollowTheDictionaryOrder)
{
    const char* const expected[] = {
        "school", "sex", "age", "address", "famsize", "Pstatus", "Medu", "Fedu", "Mjob", "Fjob",
        "reason", "guardian", "traveltime", "studytime", "failures", "schoolsup", "famsup", "paid",
        "activities", "nursery", "higher", "internet", "romantic", "famrel", "freetime", "goout",
        "Dalc", "Walc", "health", "absences", "G1", "G2", "G3"};
    ASSERT_EQ(kColumns.size(), 33u);
    for (int i = 0; i < kColumnCount; ++i) {
        EXPECT_EQ(kColumns[i].header, expected[i]) << i;
        std::string lower(expected[i]);
        for (char& c : lower)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_EQ(kColumns[i].name, lower) << i;
    }
}

TEST(Schema, IntRangesFollowTheDictionaryAndTheData)
{
    struct Range { const char* name; int min, max; };
    const Range ranges[] = {
        {"age", 15, 22}, {"medu", 0, 4}, {"fedu", 0, 4}, {"traveltime", 1, 4}, {"studytime", 1, 4},
        {"failures", 0, 4}, {"famrel", 1, 5}, {"freetime", 1, 5}, {"goout", 1, 5}, {"dalc", 1, 5},
        {"walc", 1, 5}, {"health", 1, 5}, {"absences", 0, 93}, {"g1", 0, 20}, {"g2", 0, 20}, {"g3", 0, 20}};
    int ints = 0;
    for (const ColumnSpec& c : kColumns)
        ints += c.kind == Kind::Int;
    EXPECT_EQ(ints, 16);
    for (const Range& r : ranges) {
        const ColumnSpec& c = kColumns[find_column(r.name).value()];
        EXPECT_EQ(c.kind, Kind::Int) << r.name;
        EXPECT_EQ(c.min, r.min) << r.name;
        EXPECT_EQ(c.max, r.max) << r.name;
    }
}

TEST(Schema, YesNoColumns)
{
    std::set<std::string> yes_no;
    for (const ColumnSpec& c : kColumns)
        if (c.kind == Kind::YesNo)
            yes_no.emplace(c.name);
    EXPECT_EQ(yes_no, (std::set<std::string>{"schoolsup", "famsup", "paid", "activities", "nursery",
                                             "higher", "internet", "romantic"}));
}

TEST(Schema, CodeVocabularies)
{
    const auto codes = [](const char* name) {
        const ColumnSpec& c = kColumns[find_column(name).value()];
        EXPECT_EQ(c.kind, Kind::Code) << name;
        std::string out;
        for (int k = 0; k < c.ncodes; ++k)
            out += (k ? "," : "") + std::string(c.codes[k]);
        return out;
    };
    EXPECT_EQ(codes("school"), "GP,MS");
    EXPECT_EQ(codes("sex"), "F,M");
    EXPECT_EQ(codes("address"), "U,R");
    EXPECT_EQ(codes("famsize"), "LE3,GT3");
    EXPECT_EQ(codes("pstatus"), "T,A");
    EXPECT_EQ(codes("mjob"), "teacher,health,services,at_home,other");
    EXPECT_EQ(codes("fjob"), "teacher,health,services,at_home,other");
    EXPECT_EQ(codes("reason"), "home,reputation,course,other");
    EXPECT_EQ(codes("guardian"), "mother,father,other");
}

TEST(Schema, FindColumnIsCaseInsensitive)
{
    EXPECT_EQ(find_column("school"), 0);
    EXPECT_EQ(find_column("Pstatus"), 5);
    EXPECT_EQ(find_column("PSTATUS"), 5);
    EXPECT_EQ(find_column("pstatus"), 5);
    EXPECT_EQ(find_column("g3"), 32);
    EXPECT_EQ(find_column("G3"), 32);
    EXPECT_EQ(find_column("DaLc"), 26);
}

TEST(Schema, FindColumnRejectsEverythingElse)
{
    EXPECT_EQ(find_column(""), std::nullopt);
    EXPECT_EQ(find_column("foo"), std::nullopt);
    EXPECT_EQ(find_column(" age"), std::nullopt);
    EXPECT_EQ(find_column("age "), std::nullopt);
    EXPECT_EQ(find_column("ag"), std::nullopt);
    EXPECT_EQ(find_column("ages"), std::nullopt);
    EXPECT_EQ(find_column(std::string_view("age\0", 4)), std::nullopt);
    EXPECT_EQ(find_column("\xC3\x84GE"), std::nullopt);   // only ASCII folds
}

TEST(Schema, NormalizeSubject)
{
    EXPECT_EQ(normalize_subject("math"), "math");
    EXPECT_EQ(normalize_subject("mat"), "math");
    EXPECT_EQ(normalize_subject("MATH"), "math");
    EXPECT_EQ(normalize_subject("Mat"), "math");
    EXPECT_EQ(normalize_subject("portuguese"), "portuguese");
    EXPECT_EQ(normalize_subject("por"), "portuguese");
    EXPECT_EQ(normalize_subject("Portuguese"), "portuguese");
    EXPECT_EQ(normalize_subject("POR"), "portuguese");
    EXPECT_EQ(normalize_subject(""), std::nullopt);
    EXPECT_EQ(normalize_subject(" math"), std::nullopt);
    EXPECT_EQ(normalize_subject("math "), std::nullopt);
    EXPECT_EQ(normalize_subject("maths"), std::nullopt);
    EXPECT_EQ(normalize_subject("ma"), std::nullopt);
    EXPECT_EQ(normalize_subject("english"), std::nullopt);
}

TEST(Schema, InferSubjectFromPath)
{
    EXPECT_EQ(infer_subject_from_path("student-mat.csv"), "math");
    EXPECT_EQ(infer_subject_from_path("/data/in/student-mat.csv"), "math");
    EXPECT_EQ(infer_subject_from_path("/data/in/STUDENT-MAT-2024.CSV"), "math");
    EXPECT_EQ(infer_subject_from_path("student-por.csv"), "portuguese");
    EXPECT_EQ(infer_subject_from_path("/x/student-por_2024.csv"), "portuguese");
    EXPECT_EQ(infer_subject_from_path("Student-Por.csv"), "portuguese");
    EXPECT_EQ(infer_subject_from_path("student-mat"), "math");
}

TEST(Schema, InferSubjectFromAnyTokenOfTheName)
{
    // Dated names, prefixed copies, and the run id a failed file carries back into the inbox.
    EXPECT_EQ(infer_subject_from_path("/in/2026-11-25_student-por.csv"), "portuguese");
    EXPECT_EQ(infer_subject_from_path("/in/20261125-student-mat.csv"), "math");
    EXPECT_EQ(infer_subject_from_path("kaggle-student-por.csv"), "portuguese");
    EXPECT_EQ(infer_subject_from_path("/in/12-student-mat.csv"), "math");
    EXPECT_EQ(infer_subject_from_path("my-student-mat.csv"), "math");
    EXPECT_EQ(infer_subject_from_path("student_mat.csv"), "math");
    EXPECT_EQ(infer_subject_from_path("MATHS.csv"), "math");
    EXPECT_EQ(infer_subject_from_path("mathematics-2025.csv"), "math");
    EXPECT_EQ(infer_subject_from_path("portuguese.csv"), "portuguese");
    EXPECT_EQ(infer_subject_from_path("por2024.csv"), "portuguese");
    EXPECT_EQ(infer_subject_from_path("student-mat-mat.csv"), "math");
}

TEST(Schema, InferSubjectNeedsAWholeToken)
{
    EXPECT_EQ(infer_subject_from_path(""), std::nullopt);
    EXPECT_EQ(infer_subject_from_path("/data/student-mat/delivery.csv"), std::nullopt);
    EXPECT_EQ(infer_subject_from_path("/data/student-mat/"), std::nullopt);
    EXPECT_EQ(infer_subject_from_path("student-ma.csv"), std::nullopt);
    EXPECT_EQ(infer_subject_from_path("students.csv"), std::nullopt);
    EXPECT_EQ(infer_subject_from_path("import.csv"), std::nullopt);
    EXPECT_EQ(infer_subject_from_path("format.csv"), std::nullopt);
    EXPECT_EQ(infer_subject_from_path("deliveries.mat"), std::nullopt);   // the extension is not a token
}

TEST(Schema, InferSubjectRefusesNamesOfBoth)
{
    bool ambiguous = false;
    EXPECT_EQ(infer_subject_from_path("/in/math-and-portuguese.csv", &ambiguous), std::nullopt);
    EXPECT_TRUE(ambiguous);
    EXPECT_EQ(infer_subject_from_path("/in/student-por.csv", &ambiguous), "portuguese");
    EXPECT_FALSE(ambiguous);
    EXPECT_EQ(infer_subject_from_path("/in/delivery.csv", &ambiguous), std::nullopt);
    EXPECT_FALSE(ambiguous);
}

}  // namespace
}  // namespace student_etl
