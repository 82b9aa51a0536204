// The one boundary between C++ and PostgreSQL.
//
// Two ways an error can cross it, and the rule for each:
//  * A C++ exception must never unwind into PostgreSQL frames (they have no unwind tables and
//    their state would be skipped). Every C++ call made from PostgreSQL-side code goes through
//    run_cpp(), which catches everything, copies the message into a plain static buffer and
//    returns false; the caller raises ereport() itself, after the C++ frames are gone.
//    Every SQL-callable function is defined with STUDENT_ETL_SQL_FUNCTION, whose body runs
//    inside run_cpp() as a last line of defence.
//  * An ereport(ERROR) longjmp must never skip a live C++ destructor. PostgreSQL-side code
//    (src/pg) therefore holds no C++ object with a destructor in any frame that calls a
//    PostgreSQL function that may raise: it uses palloc'd memory and plain structs, and owns
//    C++ objects only through pointers whose deletion is tied to a memory context
//    (make_owned_by), so an aborting transaction still destroys them.
//  src/core never includes PostgreSQL headers, so it needs neither rule.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "utils/memutils.h"
}

#include <exception>
#include <new>

#include "delivery_parser.hpp"

namespace student_etl::pg {

// What run_cpp() caught: enough to build an ereport once the C++ frames are gone.
struct CaughtError {
    int sqlstate;
    char message[1024];
};

// The last error caught at the boundary. Static storage on purpose: it must outlive the
// frames that caught it, and a backend runs one statement at a time.
CaughtError& last_caught_error() noexcept;

void describe_exception(CaughtError& out, int sqlstate, const char* what) noexcept;

// Runs fn(); returns false (and fills last_caught_error()) if it threw anything.
template <typename Fn>
bool run_cpp(Fn&& fn) noexcept
{
    CaughtError& err = last_caught_error();
    try {
        fn();
        return true;
    } catch (const DeliveryError& e) {
        describe_exception(err, ERRCODE_BAD_COPY_FILE_FORMAT, e.what());
    } catch (const std::bad_alloc&) {
        describe_exception(err, ERRCODE_OUT_OF_MEMORY, "out of memory in student_etl");
    } catch (const std::exception& e) {
        describe_exception(err, ERRCODE_INTERNAL_ERROR, e.what());
    } catch (...) {
        describe_exception(err, ERRCODE_INTERNAL_ERROR, "unknown C++ exception in student_etl");
    }
    return false;
}

// Raises the error run_cpp() caught, prefixed with what was being done ("reading the header").
// Call it only from a frame holding no C++ objects.
pg_attribute_noreturn() void raise_caught_error(const char* doing);

// Creates a T owned by cxt: it is deleted when cxt is reset or deleted -- including by a
// transaction abort, which is how a C++ object survives an ereport longjmp without leaking.
// The callback is allocated first so that no allocation can fail between `new` and
// registration. T's destructor must not throw.
template <typename T, typename... Args>
T* make_owned_by(MemoryContext cxt, const char* doing, Args&&... args)
{
    auto* cb = static_cast<MemoryContextCallback*>(
        MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback)));
    T* obj = nullptr;
    if (!run_cpp([&] { obj = new T(static_cast<Args&&>(args)...); }))
        raise_caught_error(doing);
    cb->func = [](void* arg) { delete static_cast<T*>(arg); };
    cb->arg = obj;
    MemoryContextRegisterResetCallback(cxt, cb);
    return obj;
}

// Used by STUDENT_ETL_SQL_FUNCTION: runs impl inside run_cpp() and re-raises anything it threw.
Datum guarded_call(PGFunction impl, FunctionCallInfo fcinfo);

}  // namespace student_etl::pg

// Defines the SQL-callable C symbol `name` whose body is the C++ function `impl`.
#define STUDENT_ETL_SQL_FUNCTION(name, impl)                                    \
    extern "C" {                                                               \
    PG_FUNCTION_INFO_V1(name);                                                 \
    Datum name(PG_FUNCTION_ARGS) { return student_etl::pg::guarded_call(impl, fcinfo); } \
    }
