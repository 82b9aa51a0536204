// The 33 attributes of a UCI Student Performance delivery, as the data dictionary
// (student.txt) defines them: names, kinds and allowed values.
//
// Pure C++: no PostgreSQL headers. The PostgreSQL side maps these specs onto table
// columns by name; the parser validates every field against them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace student_etl {

enum class Kind : std::uint8_t {
    Code,   // one of a fixed vocabulary ("GP"/"MS", "teacher"/...); stored as text
    YesNo,  // "yes"/"no"; stored as boolean
    Int,    // integer in [min, max]; stored as smallint
};

struct ColumnSpec {
    std::string_view name;     // table column name: the header name in lower case ("pstatus")
    std::string_view header;   // spelling in the dictionary and the original file ("Pstatus")
    Kind kind;
    std::int16_t min;          // Int only: inclusive range
    std::int16_t max;
    const std::string_view* codes;  // Code only: the canonical vocabulary
    std::uint8_t ncodes;
};

constexpr int kColumnCount = 33;

// In the order of the data dictionary (and of the original file).
extern const std::array<ColumnSpec, kColumnCount> kColumns;

// Index into kColumns of a header name, matched case-insensitively; nullopt when unknown.
std::optional<int> find_column(std::string_view header_name) noexcept;

// Courses a delivery can belong to, as stored in student_performance.subject.
// normalize_subject accepts the stored names and the file-name codes ("mat", "por"),
// case-insensitively.
std::optional<std::string_view> normalize_subject(std::string_view text) noexcept;

// The subject a file name names: a token -- the base name, without its extension, split at
// anything that is not a letter or a digit and between letters and digits -- that is mat,
// math, maths or mathematics, or por or portuguese, in any case and anywhere, so dates,
// prefixes and run ids around it do not matter ("2026-11-25_student-por.csv",
// "20261125-student-mat.csv", "kaggle-student-por.csv", "12-student-mat.csv"). Directories
// say nothing. nullopt when no token names a subject, or when tokens name both (then
// *ambiguous is set, if given).
std::optional<std::string_view> infer_subject_from_path(std::string_view path, bool* ambiguous = nullptr) noexcept;

}  // namespace student_etl
