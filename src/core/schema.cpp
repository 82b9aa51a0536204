// The data dictionary (student.txt) as a table, plus the name look-ups built on it.
//
// Ranges follow the dictionary except where the real data contradicts it: "failures" is
// documented as "n if 1<=n<3, else 4" but the files hold 0..3, so it is 0..4 here.
#include "schema.hpp"

#include <cstddef>

namespace student_etl {

namespace {

// Canonical vocabularies. Their order is the stored index (ParsedRow::value), so it must
// never change once data has been loaded.
constexpr std::string_view kSchool[] = {"GP", "MS"};
constexpr std::string_view kSex[] = {"F", "M"};
constexpr std::string_view kAddress[] = {"U", "R"};
constexpr std::string_view kFamsize[] = {"LE3", "GT3"};
constexpr std::string_view kPstatus[] = {"T", "A"};
constexpr std::string_view kJob[] = {"teacher", "health", "services", "at_home", "other"};
constexpr std::string_view kReason[] = {"home", "reputation", "course", "other"};
constexpr std::string_view kGuardian[] = {"mother", "father", "other"};

template <std::size_t N>
constexpr ColumnSpec code(std::string_view name, std::string_view header, const std::string_view (&codes)[N])
{
    return ColumnSpec{name, header, Kind::Code, 0, 0, codes, static_cast<std::uint8_t>(N)};
}

constexpr ColumnSpec yes_no(std::string_view name)
{
    return ColumnSpec{name, name, Kind::YesNo, 0, 0, nullptr, 0};
}

constexpr ColumnSpec integer(std::string_view name, std::string_view header, std::int16_t min, std::int16_t max)
{
    return ColumnSpec{name, header, Kind::Int, min, max, nullptr, 0};
}

constexpr char ascii_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

constexpr std::string_view kMath = "math";
constexpr std::string_view kPortuguese = "portuguese";

}  // namespace

// Constant-initialised (constexpr: the compiler checks that every initialiser is a constant
// expression), so other translation units may use it during their own static initialisation
// (field_values.cpp's kCodeByFirstByte).
constexpr std::array<ColumnSpec, kColumnCount> kColumns = {{
    code("school", "school", kSchool),
    code("sex", "sex", kSex),
    integer("age", "age", 15, 22),
    code("address", "address", kAddress),
    code("famsize", "famsize", kFamsize),
    code("pstatus", "Pstatus", kPstatus),
    integer("medu", "Medu", 0, 4),
    integer("fedu", "Fedu", 0, 4),
    code("mjob", "Mjob", kJob),
    code("fjob", "Fjob", kJob),
    code("reason", "reason", kReason),
    code("guardian", "guardian", kGuardian),
    integer("traveltime", "traveltime", 1, 4),
    integer("studytime", "studytime", 1, 4),
    integer("failures", "failures", 0, 4),
    yes_no("schoolsup"),
    yes_no("famsup"),
    yes_no("paid"),
    yes_no("activities"),
    yes_no("nursery"),
    yes_no("higher"),
    yes_no("internet"),
    yes_no("romantic"),
    integer("famrel", "famrel", 1, 5),
    integer("freetime", "freetime", 1, 5),
    integer("goout", "goout", 1, 5),
    integer("dalc", "Dalc", 1, 5),
    integer("walc", "Walc", 1, 5),
    integer("health", "health", 1, 5),
    integer("absences", "absences", 0, 93),
    integer("g1", "G1", 0, 20),
    integer("g2", "G2", 0, 20),
    integer("g3", "G3", 0, 20),
}};

std::optional<int> find_column(std::string_view header_name) noexcept
{
    // 33 short names, called once per header field: a linear scan is the simplest thing.
    for (int i = 0; i < kColumnCount; ++i)
        if (iequals(header_name, kColumns[i].name))
            return i;
    return std::nullopt;
}

std::optional<std::string_view> normalize_subject(std::string_view text) noexcept
{
    if (iequals(text, kMath) || iequals(text, "mat"))
        return kMath;
    if (iequals(text, kPortuguese) || iequals(text, "por"))
        return kPortuguese;
    return std::nullopt;
}

std::optional<std::string_view> infer_subject_from_path(std::string_view path, bool* ambiguous) noexcept
{
    if (ambiguous != nullptr)
        *ambiguous = false;
    // Only the file name counts: a directory called "student-mat" says nothing about the file.
    const std::size_t slash = path.rfind('/');
    std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
    const std::size_t dot = base.rfind('.');
    if (dot != std::string_view::npos && dot > 0)
        base = base.substr(0, dot);
    auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    std::optional<std::string_view> found;
    for (std::size_t i = 0; i < base.size();) {
        if (!is_letter(base[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < base.size() && is_letter(base[j]))
            ++j;
        const std::string_view token = base.substr(i, j - i);
        i = j;
        std::optional<std::string_view> subject;
        if (iequals(token, "mat") || iequals(token, "math") || iequals(token, "maths") || iequals(token, "mathematics"))
            subject = kMath;
        else if (iequals(token, "por") || iequals(token, "portuguese"))
            subject = kPortuguese;
        if (!subject)
            continue;
        if (found && *found != *subject) {
            if (ambiguous != nullptr)
                *ambiguous = true;
            return std::nullopt;
        }
        found = subject;
    }
    return found;
}

}  // namespace student_etl
