// SQL entry: student_etl._missing_value_problem(column_name, action, default_value), which
// set_missing_value_policy() asks before it stores a policy, so that a policy the loader
// cannot apply is refused when it is set rather than when a delivery arrives. The checks are
// those of the loader (missing_values.hpp).
#include "guard.hpp"

extern "C" {
#include "utils/builtins.h"
}

#include <cstdio>

namespace student_etl::pg {

namespace {

Datum missing_value_problem_impl(FunctionCallInfo fcinfo)
{
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        PG_RETURN_TEXT_P(cstring_to_text("column name and action are required"));
    const char* column_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
    const char* action_name = text_to_cstring(PG_GETARG_TEXT_PP(1));
    const char* default_text = PG_ARGISNULL(2) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(2));
    static char problem[512];
    problem[0] = '\0';
    if (!run_cpp([&] {
            const auto slot = find_column(column_name);
            const auto action = parse_missing_action(action_name);
            if (!slot) {
                std::snprintf(problem, sizeof problem, "\"%s\" is not a column of a delivery", column_name);
            } else if (!action) {
                std::snprintf(problem, sizeof problem, "\"%s\" is not one of reject, keep_null, default", action_name);
            } else if ((*action == MissingAction::UseDefault) != (default_text != nullptr)) {
                std::snprintf(problem, sizeof problem, "a default value goes with the action default, and only with it");
            } else {
                MissingPolicy policy;
                const std::string why = policy.set(*slot, *action, default_text ? default_text : "");
                std::snprintf(problem, sizeof problem, "%s", why.c_str());
            }
        }))
        raise_caught_error("checking a missing-value policy");
    if (problem[0] == '\0')
        PG_RETURN_NULL();
    PG_RETURN_TEXT_P(cstring_to_text(problem));
}

}  // namespace

}  // namespace student_etl::pg

STUDENT_ETL_SQL_FUNCTION(student_etl_missing_value_problem, student_etl::pg::missing_value_problem_impl)
