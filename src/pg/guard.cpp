// See guard.hpp for the rules this file implements.
#include "guard.hpp"

#include <cstring>

namespace student_etl::pg {

CaughtError& last_caught_error() noexcept
{
    static CaughtError error;
    return error;
}

void describe_exception(CaughtError& out, int sqlstate, const char* what) noexcept
{
    out.sqlstate = sqlstate;
    // No allocation and nothing that can fail: this runs inside a catch block.
    std::strncpy(out.message, what ? what : "(no message)", sizeof out.message - 1);
    out.message[sizeof out.message - 1] = '\0';
}

void raise_caught_error(const char* doing)
{
    const CaughtError& err = last_caught_error();
    ereport(ERROR, (errcode(err.sqlstate),
                    doing ? errmsg("%s: %s", doing, err.message) : errmsg("%s", err.message)));
    pg_unreachable();
}

Datum guarded_call(PGFunction impl, FunctionCallInfo fcinfo)
{
    Datum result = 0;
    // PostgreSQL errors raised inside impl longjmp straight through this frame, which holds
    // nothing with a destructor; C++ exceptions stop here.
    if (!run_cpp([&] { result = impl(fcinfo); }))
        raise_caught_error(nullptr);
    return result;
}

}  // namespace student_etl::pg
