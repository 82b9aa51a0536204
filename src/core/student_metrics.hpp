// Student metrics: the rules that classify one student (documented in README, "Metrics"),
// and the per-run aggregates a load accumulates while it streams, so that dashboards read a
// few hundred pre-aggregated cells instead of scanning the fact table.
//
// The same rules exist in SQL (view student_etl.student_metrics and the recomputation
// function student_etl.recompute_run_facets); tests check that both agree.
// Pure C++: no PostgreSQL headers.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "delivery_parser.hpp"

namespace student_etl {

// --- per-student rules ---------------------------------------------------------------
// A value kept as NULL (missing_values.hpp) is unknown, as in SQL: a rule that needs it says
// "unknown" (-1 for the int-valued ones) unless the known values decide it anyway.
enum class Risk : std::uint8_t { No, Yes, Unknown };
// At risk: any past failure, a mean of G1 and G2 below the pass mark (10), or 20+ absences.
// Yes when a known value says so; No when all are known and none does; else Unknown (SQL's
// three-valued OR).
Risk risk_of(const ParsedRow& row) noexcept;
inline bool at_risk(const ParsedRow& row) noexcept { return risk_of(row) == Risk::Yes; }
// 5 * Dalc + 2 * Walc: a week of alcohol use on the 1..5 scale, weighted by days
// (alcohol index = this / 7); -1 when either is unknown.
int alcohol_week(const ParsedRow& row) noexcept;
// 0 low (index < 2), 1 moderate (< 3), 2 high; -1 unknown.
int alcohol_level(const ParsedRow& row) noexcept;
// 0 none (0 absences), 1 low (1-5), 2 medium (6-15), 3 high (16+); -1 unknown.
int absence_band(const ParsedRow& row) noexcept;
// max(Medu, Fedu): 0 none .. 4 higher education.
int parent_education(const ParsedRow& row) noexcept;

// --- per-run aggregates ----------------------------------------------------------------
// A facet groups students by up to three keys ("sex", or "famrel, sex, absences"); each
// cell holds additive sums, so cells of several runs combine by addition. A key whose value
// is unknown (NULL) is labelled "unknown". Sums add known values only, and known_* count
// them: a mean is sum / known, never sum / students.
struct CellSums {
    std::int64_t students;
    std::int64_t passed;          // g3 >= 10
    std::int64_t at_risk;         // Risk::Yes
    std::int64_t sum_g1, sum_g2, sum_g3;
    std::int64_t sum_absences;
    std::int64_t sum_alcohol_week;
    std::int64_t known_g1, known_g2, known_absences;
    std::int64_t known_alcohol;   // Dalc and Walc both known
    std::int64_t known_at_risk;   // Risk::Yes or Risk::No
    std::int64_t likely_dropouts; // delivery_quality.hpp likely_dropout()
};

// One non-empty cell, in plain data for the PostgreSQL side.
struct FacetCell {
    const char* facet;      // e.g. "school", "q5_famrel_sex_absences"
    const char* key[3];     // labels; "" where the facet has fewer keys (static storage)
    CellSums sums;
};

class RunAggregates {
public:
    RunAggregates();
    void add(const ParsedRow& row) noexcept;
    // Every non-empty cell, facets in a fixed order, keys ascending within a facet.
    std::vector<FacetCell> cells() const;

private:
    template <bool kMayBeNull>
    void add_cells(const ParsedRow& row) noexcept;

    // Per facet, per mixed-radix cell index. What every row adds (64 bytes, one cache line
    // a cell) apart from what only a row with an unknown value or a likely dropout adds.
    struct Common {
        std::int64_t students, passed, at_risk, sum_g1, sum_g2, sum_g3, sum_absences, sum_alcohol_week;
    };
    struct Rare {
        std::int64_t unknown_g1, unknown_g2, unknown_absences, unknown_alcohol, unknown_at_risk, likely_dropouts;
    };
    std::vector<std::vector<Common>> common_;
    std::vector<std::vector<Rare>> rare_;
};

}  // namespace student_etl
