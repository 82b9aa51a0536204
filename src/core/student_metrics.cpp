// See student_metrics.hpp.
#include "student_metrics.hpp"

#include "delivery_quality.hpp"
#include "missing_values.hpp"

#include <stdexcept>


namespace student_etl {

namespace {

constexpr int kPassMark = 10;
constexpr int kRiskAbsences = 20;

int col(std::string_view name)
{
    return *find_column(name);
}

// Column positions, looked up once by name rather than trusted as numbers.
struct Columns {
    int school = col("school"), sex = col("sex"), age = col("age"), address = col("address"),
        famsize = col("famsize"), pstatus = col("pstatus"), medu = col("medu"), fedu = col("fedu"),
        mjob = col("mjob"), fjob = col("fjob"), traveltime = col("traveltime"),
        studytime = col("studytime"), failures = col("failures"), famrel = col("famrel"),
        dalc = col("dalc"), walc = col("walc"), absences = col("absences"), g1 = col("g1"),
        g2 = col("g2"), g3 = col("g3");
};
const Columns& C()
{
    static const Columns columns;
    return columns;
}

const char* const kStudyBands[] = {"<2h", "2-5h", "5-10h", ">10h"};
const char* const kAlcoholLevels[] = {"low", "moderate", "high"};
const char* const kAbsenceBands[] = {"none", "low", "medium", "high"};
const char* const kParentEducation[] = {"none", "primary", "5th-9th grade", "secondary", "higher"};
const char* const kYesNo[] = {"no", "yes"};
const char* const kUnknown = "unknown";

// "0" .. "99": labels for integer columns, in static storage.
const char* number_label(int v)
{
    static const auto labels = [] {
        std::array<std::array<char, 3>, 100> l{};
        for (int i = 0; i < 100; ++i)
            l[i] = i < 10 ? std::array<char, 3>{char('0' + i), '\0', '\0'}
                          : std::array<char, 3>{char('0' + i / 10), char('0' + i % 10), '\0'};
        return l;
    }();
    return labels[static_cast<std::size_t>(v)].data();
}

// index = week / 7
int level_of_week(int week) noexcept
{
    return week < 2 * 7 ? 0 : week < 3 * 7 ? 1 : 2;
}

int band_of_absences(int a) noexcept
{
    return a == 0 ? 0 : a <= 5 ? 1 : a <= 15 ? 2 : 3;
}

enum class DimKind : std::uint8_t { Column, StudyBand, AlcoholLevel, AbsenceBand, ParentEducation };

struct Dim {
    DimKind kind;
    int column;       // DimKind::Column only
    int known_cells;  // the values a known key takes
    int cells;        // known_cells, plus a last one, "unknown", for a key that can be NULL

    // Worked out once, when the facets are built: add() runs per row and facet.
    Dim(DimKind k, int c) : kind(k), column(c), known_cells(count_known()), cells(known_cells + (nullable() ? 1 : 0)) {}

    bool nullable() const
    {
        return kind == DimKind::Column ? !column_required(column) : kind != DimKind::ParentEducation;
    }
    int cardinality() const noexcept { return cells; }
    int known_cardinality() const noexcept { return known_cells; }
    int count_known() const
    {
        switch (kind) {
        case DimKind::StudyBand: return 4;
        case DimKind::AlcoholLevel: return 3;
        case DimKind::AbsenceBand: return 4;
        case DimKind::ParentEducation: return 5;
        case DimKind::Column: break;
        }
        const ColumnSpec& s = kColumns[column];
        switch (s.kind) {
        case Kind::Code: return s.ncodes;
        case Kind::YesNo: return 2;
        case Kind::Int: return s.max - s.min + 1;
        }
        return 1;
    }
    // The cell of the row's key; kMayBeNull false: the row has no NULL (the common case,
    // without a check per key).
    template <bool kMayBeNull>
    int index(const ParsedRow& row) const noexcept
    {
        if constexpr (kMayBeNull) {
            const int i = known_index(row);
            return i < 0 ? known_cardinality() : i;   // unknown: the extra cell
        } else {
            switch (kind) {
            case DimKind::StudyBand: return row.value[C().studytime] - 1;
            case DimKind::AlcoholLevel: return level_of_week(5 * row.value[C().dalc] + 2 * row.value[C().walc]);
            case DimKind::AbsenceBand: return band_of_absences(row.value[C().absences]);
            case DimKind::ParentEducation: return parent_education(row);
            case DimKind::Column: break;
            }
            const ColumnSpec& s = kColumns[column];
            return s.kind == Kind::Int ? row.value[column] - s.min : row.value[column];
        }
    }
    int known_index(const ParsedRow& row) const noexcept
    {
        switch (kind) {
        case DimKind::StudyBand: return is_null(row, C().studytime) ? -1 : row.value[C().studytime] - 1;
        case DimKind::AlcoholLevel: return alcohol_level(row);
        case DimKind::AbsenceBand: return absence_band(row);
        case DimKind::ParentEducation: return parent_education(row);
        case DimKind::Column: break;
        }
        if (is_null(row, column))
            return -1;
        const ColumnSpec& s = kColumns[column];
        return s.kind == Kind::Int ? row.value[column] - s.min : row.value[column];
    }
    const char* label(int i) const
    {
        if (i == known_cardinality())
            return kUnknown;
        switch (kind) {
        case DimKind::StudyBand: return kStudyBands[i];
        case DimKind::AlcoholLevel: return kAlcoholLevels[i];
        case DimKind::AbsenceBand: return kAbsenceBands[i];
        case DimKind::ParentEducation: return kParentEducation[i];
        case DimKind::Column: break;
        }
        const ColumnSpec& s = kColumns[column];
        switch (s.kind) {
        case Kind::Code: return s.codes[i].data();   // the vocabulary is string literals
        case Kind::YesNo: return kYesNo[i];
        case Kind::Int: return number_label(s.min + i);
        }
        return "";
    }
};

Dim column(int c) { return Dim(DimKind::Column, c); }
Dim derived(DimKind k) { return Dim(k, -1); }

struct FacetSpec {
    const char* name;
    std::vector<Dim> dims;

    int cells() const
    {
        int n = 1;
        for (const Dim& d : dims)
            n *= d.cardinality();
        return n;
    }
};

// The facets every load maintains: the dashboard's groupings, then the cross-tabs the five
// analysts' questions need (student_etl.q1_... views).
const std::vector<FacetSpec>& facets()
{
    static const std::vector<FacetSpec> specs = [] {
        const Columns& c = C();
        return std::vector<FacetSpec>{
            {"all", {}},
            {"school", {column(c.school)}},
            {"sex", {column(c.sex)}},
            {"address", {column(c.address)}},
            {"famsize", {column(c.famsize)}},
            {"pstatus", {column(c.pstatus)}},
            {"age", {column(c.age)}},
            {"study_time", {derived(DimKind::StudyBand)}},
            {"alcohol_level", {derived(DimKind::AlcoholLevel)}},
            {"absence_band", {derived(DimKind::AbsenceBand)}},
            {"parent_education", {derived(DimKind::ParentEducation)}},
            {"grades_school_g3", {column(c.school), column(c.g3)}},
            {"q1_sex_age_mjob", {column(c.sex), column(c.age), column(c.mjob)}},
            {"q2_address_traveltime", {column(c.address), column(c.traveltime)}},
            {"q3_pstatus_fjob", {column(c.pstatus), column(c.fjob)}},
            {"q4_famsize_failures", {column(c.famsize), column(c.failures)}},
            {"q5_famrel_sex_absences", {column(c.famrel), column(c.sex), column(c.absences)}},
        };
    }();
    return specs;
}

// facets() prepared for add(): the distinct keys of all facets, each worked out once per row,
// and for each facet its keys' positions in that list with their mixed-radix strides.
struct FacetPlan {
    std::vector<Dim> keys;   // distinct
    struct Facet {
        std::size_t nkeys;
        std::array<std::size_t, 3> key;   // index into keys
        std::array<int, 3> stride;
    };
    std::vector<Facet> facets;
};

bool same_dim(const Dim& a, const Dim& b)
{
    return a.kind == b.kind && a.column == b.column;
}

const FacetPlan& facet_plan()
{
    static const FacetPlan plan = [] {
        FacetPlan p;
        for (const FacetSpec& spec : facets()) {
            FacetPlan::Facet f{spec.dims.size(), {}, {}};
            int stride = 1;
            for (std::size_t d = spec.dims.size(); d-- > 0;) {
                std::size_t k = 0;
                while (k < p.keys.size() && !same_dim(p.keys[k], spec.dims[d]))
                    ++k;
                if (k == p.keys.size())
                    p.keys.push_back(spec.dims[d]);
                f.key[d] = k;
                f.stride[d] = stride;
                stride *= spec.dims[d].cardinality();
            }
            p.facets.push_back(f);
        }
        return p;
    }();
    return plan;
}

constexpr std::size_t kMaxKeys = 32;

}  // namespace

Risk risk_of(const ParsedRow& row) noexcept
{
    const Columns& c = C();
    // Each condition: 1 true, 0 false, -1 unknown.
    const int failing = is_null(row, c.failures) ? -1 : row.value[c.failures] > 0;
    const int pace = is_null(row, c.g1) || is_null(row, c.g2) ? -1 : row.value[c.g1] + row.value[c.g2] < 2 * kPassMark;
    const int absent = is_null(row, c.absences) ? -1 : row.value[c.absences] >= kRiskAbsences;
    if (failing == 1 || pace == 1 || absent == 1)
        return Risk::Yes;
    if (failing == 0 && pace == 0 && absent == 0)
        return Risk::No;
    return Risk::Unknown;
}

int alcohol_week(const ParsedRow& row) noexcept
{
    if (is_null(row, C().dalc) || is_null(row, C().walc))
        return -1;
    return 5 * row.value[C().dalc] + 2 * row.value[C().walc];
}

int alcohol_level(const ParsedRow& row) noexcept
{
    const int week = alcohol_week(row);
    return week < 0 ? -1 : level_of_week(week);
}

int absence_band(const ParsedRow& row) noexcept
{
    return is_null(row, C().absences) ? -1 : band_of_absences(row.value[C().absences]);
}

int parent_education(const ParsedRow& row) noexcept
{
    const int m = row.value[C().medu], f = row.value[C().fedu];
    return m > f ? m : f;
}

RunAggregates::RunAggregates()
{
    if (facet_plan().keys.size() > kMaxKeys)
        throw std::logic_error("student_etl: more facet keys than RunAggregates::add() has room for");
    for (const FacetSpec& f : facets()) {
        common_.emplace_back(static_cast<std::size_t>(f.cells()), Common{});
        rare_.emplace_back(static_cast<std::size_t>(f.cells()), Rare{});
    }
}

void RunAggregates::add(const ParsedRow& row) noexcept
{
    if (row.nulls == 0)
        add_cells<false>(row);
    else
        add_cells<true>(row);
}

template <bool kMayBeNull>
void RunAggregates::add_cells(const ParsedRow& row) noexcept
{
    const Columns& c = C();
    // G3 is never NULL (missing_values.hpp: a missing G3 is rejected or defaulted).
    const bool passed = row.value[c.g3] >= kPassMark;
    Risk risk;
    int week;
    bool dropout;
    if constexpr (kMayBeNull) {
        risk = risk_of(row);
        week = alcohol_week(row);
        dropout = likely_dropout(row);
    } else {   // the same rules, for a row without NULL
        risk = row.value[c.failures] > 0 || row.value[c.g1] + row.value[c.g2] < 2 * kPassMark ||
               row.value[c.absences] >= kRiskAbsences ? Risk::Yes : Risk::No;
        week = 5 * row.value[c.dalc] + 2 * row.value[c.walc];
        dropout = row.value[c.g3] == 0 && row.value[c.absences] == 0;
    }
    const bool g1 = !is_null(row, c.g1), g2 = !is_null(row, c.g2), absences = !is_null(row, c.absences);
    // Unknown values are counted (known = students - unknown, in cells()), apart, and only for
    // the rare row that has one: a complete row -- nearly every row -- costs what it cost
    // before NULLs existed.
    const bool rare = row.nulls != 0 || dropout;
    // Each key once per row, then each facet's cell from them; every cell adds the same.
    const FacetPlan& plan = facet_plan();
    int key[kMaxKeys];
    for (std::size_t k = 0; k < plan.keys.size(); ++k)
        key[k] = plan.keys[k].template index<kMayBeNull>(row);
    const Common add{1,
                     passed,
                     risk == Risk::Yes,
                     g1 ? row.value[c.g1] : 0,   // a NULL's value is 0 anyway: explicit all the same
                     g2 ? row.value[c.g2] : 0,
                     row.value[c.g3],
                     absences ? row.value[c.absences] : 0,
                     week >= 0 ? week : 0};
    for (std::size_t f = 0; f < plan.facets.size(); ++f) {
        const FacetPlan::Facet& facet = plan.facets[f];
        int cell = 0;
        for (std::size_t d = 0; d < facet.nkeys; ++d)
            cell += key[facet.key[d]] * facet.stride[d];
        Common& s = common_[f][static_cast<std::size_t>(cell)];
        s.students += add.students;
        s.passed += add.passed;
        s.at_risk += add.at_risk;
        s.sum_g1 += add.sum_g1;
        s.sum_g2 += add.sum_g2;
        s.sum_g3 += add.sum_g3;
        s.sum_absences += add.sum_absences;
        s.sum_alcohol_week += add.sum_alcohol_week;
        if (rare) {
            Rare& r = rare_[f][static_cast<std::size_t>(cell)];
            r.unknown_at_risk += risk == Risk::Unknown;
            r.unknown_g1 += !g1;
            r.unknown_g2 += !g2;
            r.unknown_absences += !absences;
            r.unknown_alcohol += week < 0;
            r.likely_dropouts += dropout;
        }
    }
}

std::vector<FacetCell> RunAggregates::cells() const
{
    std::vector<FacetCell> out;
    const auto& specs = facets();
    for (std::size_t f = 0; f < specs.size(); ++f) {
        const FacetSpec& spec = specs[f];
        for (std::size_t cell = 0; cell < common_[f].size(); ++cell) {
            const Common& c = common_[f][cell];
            const Rare& r = rare_[f][cell];
            if (c.students == 0)
                continue;
            const CellSums sums{c.students, c.passed, c.at_risk, c.sum_g1, c.sum_g2, c.sum_g3, c.sum_absences,
                                c.sum_alcohol_week, c.students - r.unknown_g1, c.students - r.unknown_g2,
                                c.students - r.unknown_absences, c.students - r.unknown_alcohol,
                                c.students - r.unknown_at_risk, r.likely_dropouts};
            FacetCell fc{spec.name, {"", "", ""}, sums};
            int rest = static_cast<int>(cell);
            for (int d = static_cast<int>(spec.dims.size()) - 1; d >= 0; --d) {
                const int card = spec.dims[d].cardinality();
                fc.key[d] = spec.dims[d].label(rest % card);
                rest /= card;
            }
            out.push_back(fc);
        }
    }
    return out;
}

}  // namespace student_etl
