// See student_rows.hpp. Derived columns (documented in README):
//   grade_mean   = round((g1 + g2 + g3) / 3, 2)   numeric(4,2)
//   passed       = g3 >= 10                        boolean
//   grade_change = g3 - g1                         smallint
#include "student_rows.hpp"

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

constexpr TargetColumn text_column(const char* name) { return TargetColumn{name, TEXTOID, -1, false}; }
constexpr TargetColumn small_column(const char* name) { return TargetColumn{name, INT2OID, -1, false}; }
constexpr TargetColumn bool_column(const char* name) { return TargetColumn{name, BOOLOID, -1, false}; }

}  // namespace

const TargetColumn kStudentColumns[] = {
    text_column("school"), text_column("sex"), small_column("age"), text_column("address"),
    text_column("famsize"), text_column("pstatus"), small_column("medu"), small_column("fedu"),
    text_column("mjob"), text_column("fjob"), text_column("reason"), text_column("guardian"),
    small_column("traveltime"), small_column("studytime"), small_column("failures"),
    bool_column("schoolsup"), bool_column("famsup"), bool_column("paid"), bool_column("activities"),
    bool_column("nursery"), bool_column("higher"), bool_column("internet"), bool_column("romantic"),
    small_column("famrel"), small_column("freetime"), small_column("goout"), small_column("dalc"),
    small_column("walc"), small_column("health"), small_column("absences"), small_column("g1"),
    small_column("g2"), small_column("g3"),
    TargetColumn{"subject", TEXTOID, -1, false, true}, TargetColumn{"grade_mean", NUMERICOID, kGradeMeanTypmod, false},
    bool_column("passed"), small_column("grade_change"), TargetColumn{"run_id", INT8OID, -1, false, true},
    TargetColumn{"source_line", INT8OID, -1, false},
};
const int kStudentColumnCount = kEnd;
static_assert(sizeof kStudentColumns / sizeof kStudentColumns[0] == kEnd, "one column per value");

StudentDatums* build_student_datums(const char* subject, int64 run_id)
{
    Assert(kColumns[kG1].name == "g1" && kColumns[kG3].name == "g3");
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

void fill_student_row(const StudentDatums* d, const ParsedRow& row, Datum* values)
{
    for (int c = 0; c < kColumnCount; ++c) {
        std::int16_t v = row.value[c];
        switch (kColumns[c].kind) {
        case Kind::Code: values[c] = d->code[c][v]; break;
        case Kind::YesNo: values[c] = BoolGetDatum(v != 0); break;
        case Kind::Int: values[c] = Int16GetDatum(v); break;
        }
    }
    const int g1 = row.value[kG1];
    const int g3 = row.value[kG3];
    values[kSubject] = d->subject;
    values[kGradeMean] = d->grade_mean[g1 + row.value[kG1 + 1] + g3];
    values[kPassed] = BoolGetDatum(g3 >= kPassGrade);
    values[kGradeChange] = Int16GetDatum(static_cast<int16>(g3 - g1));
    values[kRunId] = d->run_id;
    values[kSourceLine] = Int64GetDatum(static_cast<int64>(row.line));
}

}  // namespace student_etl::pg
