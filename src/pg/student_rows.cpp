// See student_rows.hpp. Derived columns (documented in README):
//   grade_mean   = round((g1 + g2 + g3) / 3, 2)   numeric(4,2)
//   passed       = g3 >= 10                        boolean
//   grade_change = g3 - g1                         smallint
// A value kept as NULL (missing_values.hpp) is written as NULL, and so is a derived column
// that needs it (grade_mean without G1 or G2, grade_change without G1); G3 is never NULL.
#include "student_rows.hpp"

#include "missing_values.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
}

#include <cstdio>

namespace student_etl::pg {

namespace {

constexpr int kMaxCodes = 8;
constexpr int kMaxGradeSum = 60;
constexpr int kPassGrade = 10;

// Positions in kColumns (dictionary order) of the grades the derived columns use.
constexpr int kG1 = 30;
constexpr int kG3 = 32;

// The extra columns after the 33 attributes, in kStudentColumns order.
enum Extra { kSubject = kColumnCount, kGradeMean, kPassed, kGradeChange, kRunId, kSourceLine, kEnd };

}  // namespace

struct StudentDatums {
    Datum code[kColumnCount][kMaxCodes];
    Datum grade_mean[kMaxGradeSum + 1];
    Datum subject;
    Datum run_id;
};

namespace {

// numeric(4,2): typmod is ((precision << 16) | scale) + VARHDRSZ.
constexpr int32 kGradeMeanTypmod = ((4 << 16) | 2) + VARHDRSZ;

constexpr TargetColumn small_column(const char* name) { return TargetColumn{name, INT2OID, -1, false}; }
constexpr TargetColumn bool_column(const char* name) { return TargetColumn{name, BOOLOID, -1, false}; }
// Columns a missing value may leave NULL (missing_values.hpp: all but the 14 required).
constexpr TargetColumn text_or_null(const char* name) { return TargetColumn{name, TEXTOID, -1, true}; }
constexpr TargetColumn small_or_null(const char* name) { return TargetColumn{name, INT2OID, -1, true}; }
constexpr TargetColumn bool_or_null(const char* name) { return TargetColumn{name, BOOLOID, -1, true}; }

}  // namespace

const TargetColumn kStudentColumns[] = {
    text_column("school"), text_column("sex"), small_column("age"), text_column("address"),
    text_column("famsize"), text_column("pstatus"), small_column("medu"), small_column("fedu"),
    text_column("mjob"), text_column("fjob"), text_column("reason"), text_or_null("guardian"),
    small_or_null("traveltime"), small_or_null("studytime"), small_or_null("failures"),
    bool_or_null("schoolsup"), bool_or_null("famsup"), bool_or_null("paid"), bool_or_null("activities"),
    bool_column("nursery"), bool_or_null("higher"), bool_column("internet"), bool_or_null("romantic"),
    small_or_null("famrel"), small_or_null("freetime"), small_or_null("goout"), small_or_null("dalc"),
    small_or_null("walc"), small_or_null("health"), small_or_null("absences"), small_or_null("g1"),
    small_or_null("g2"), small_column("g3"),
    TargetColumn{"subject", TEXTOID, -1, false, true}, TargetColumn{"grade_mean", NUMERICOID, kGradeMeanTypmod, true},
    bool_column("passed"), small_or_null("grade_change"), TargetColumn{"run_id", INT8OID, -1, false, true},
    TargetColumn{"source_line", INT8OID, -1, false},
};
const int kStudentColumnCount = kEnd;
static_assert(sizeof kStudentColumns / sizeof kStudentColumns[0] == kEnd, "one column per value");

StudentDatums* build_student_datums(const char* subject, int64 run_id)
{
    Assert(kColumns[kG1].name == "g1" && kColumns[kG3].name == "g3");
    for (int c = 0; c < kColumnCount; ++c)
        Assert(kStudentColumns[c].may_be_null == !column_required(c));
    auto* d = static_cast<StudentDatums*>(palloc0(sizeof(StudentDatums)));
    for (int c = 0; c < kColumnCount; ++c) {
        const ColumnSpec& spec = kColumns[c];
        if (spec.kind != Kind::Code)
            continue;
        Assert(spec.ncodes <= kMaxCodes);
        for (int k = 0; k < spec.ncodes; ++k)
            d->code[c][k] = PointerGetDatum(cstring_to_text_with_len(spec.codes[k].data(), spec.codes[k].size()));
    }
    for (int sum = 0; sum <= kMaxGradeSum; ++sum) {
        int hundredths = (sum * 100 + 1) / 3;   // rounds x.333 down and x.667 up, as round() does
        char text[16];
        snprintf(text, sizeof text, "%d.%02d", hundredths / 100, hundredths % 100);
        d->grade_mean[sum] = DirectFunctionCall3(numeric_in, CStringGetDatum(text),
                                                 ObjectIdGetDatum(InvalidOid), Int32GetDatum(kGradeMeanTypmod));
    }
    d->subject = CStringGetTextDatum(subject);
    d->run_id = Int64GetDatum(run_id);
    return d;
}

void fill_student_row(const StudentDatums* d, const ParsedRow& row, Datum* values, bool* nulls)
{
    for (int c = 0; c < kColumnCount; ++c) {
        nulls[c] = is_null(row, c);
        if (nulls[c]) {
            values[c] = (Datum) 0;
            continue;
        }
        std::int16_t v = row.value[c];
        switch (kColumns[c].kind) {
        case Kind::Code: values[c] = d->code[c][v]; break;
        case Kind::YesNo: values[c] = BoolGetDatum(v != 0); break;
        case Kind::Int: values[c] = Int16GetDatum(v); break;
        }
    }
    const bool g1_null = is_null(row, kG1), g2_null = is_null(row, kG1 + 1);
    const int g1 = row.value[kG1];
    const int g3 = row.value[kG3];   // never NULL: column_required()
    Assert(!is_null(row, kG3));
    values[kSubject] = d->subject;
    nulls[kSubject] = false;
    nulls[kGradeMean] = g1_null || g2_null;
    values[kGradeMean] = nulls[kGradeMean] ? (Datum) 0 : d->grade_mean[g1 + row.value[kG1 + 1] + g3];
    values[kPassed] = BoolGetDatum(g3 >= kPassGrade);
    nulls[kPassed] = false;
    nulls[kGradeChange] = g1_null;
    values[kGradeChange] = g1_null ? (Datum) 0 : Int16GetDatum(static_cast<int16>(g3 - g1));
    values[kRunId] = d->run_id;
    nulls[kRunId] = false;
    values[kSourceLine] = Int64GetDatum(static_cast<int64>(row.line));
    nulls[kSourceLine] = false;
}

}  // namespace student_etl::pg
