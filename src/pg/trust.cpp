// See trust.hpp.
#include "trust.hpp"

#include "spi.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type_d.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
}

#include <cstring>

#ifndef STUDENT_ETL_VERSION
#error "STUDENT_ETL_VERSION must be defined by the build (Makefile: EXTVERSION)"
#endif

namespace student_etl::pg {

namespace {

// The owner of schema student_etl: the extension's owner (the install script refuses a
// schema that a non-superuser made first).
Oid extension_owner()
{
    Oid nsp = get_namespace_oid("student_etl", false);
    HeapTuple tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
    if (!HeapTupleIsValid(tuple))
        elog(ERROR, "student_etl: cache lookup failed for schema %u", nsp);
    Oid owner = reinterpret_cast<Form_pg_namespace>(GETSTRUCT(tuple))->nspowner;
    ReleaseSysCache(tuple);
    return owner;
}

struct Version {
    char* text;   // null when the extension is not installed
};

void take_version(void* arg)
{
    auto* out = static_cast<Version*>(arg);
    out->text = SPI_processed > 0 ? sql_result_text(0, 1) : nullptr;
}

}  // namespace

const char* schema_version_mismatch()
{
    Version installed{nullptr};
    run_sql("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'student_etl'", kNoArgs,
            SPI_OK_SELECT, take_version, &installed);
    if (installed.text == nullptr)
        return "";
    return strcmp(installed.text, STUDENT_ETL_VERSION) == 0 ? nullptr : installed.text;
}

void require_schema_version()
{
    const char* installed = schema_version_mismatch();
    if (installed == nullptr)
        return;
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("the student_etl library is version %s but the extension installed in this database is version %s",
                           STUDENT_ETL_VERSION, installed),
                    errhint("Run ALTER EXTENSION student_etl UPDATE in this database.")));
}

bool role_has_profile(Oid role, const char* profile)
{
    Oid types[] = {OIDOID, TEXTOID};
    Datum values[] = {ObjectIdGetDatum(role), CStringGetTextDatum(profile)};
    SavedIdentity saved;
    act_as_owner(&saved);   // the owner alone may read role_profiles
    bool has = run_sql_bool("SELECT student_etl._has_profile($1::pg_catalog.regrole, $2)", SqlArgs{2, types, values, nullptr});
    restore_identity(&saved);
    return has;
}

Oid authorize_caller(const char* profile, const char* action)
{
    require_schema_version();
    Oid caller = GetUserId();
    if (role_has_profile(caller, profile))
        return caller;
    const char* name = GetUserNameFromId(caller, false);
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("permission denied to %s", action),
                    errdetail("Role \"%s\" does not hold the student_etl profile \"%s\".", name, profile),
                    errhint("A superuser can grant it: SELECT student_etl.grant_access('%s', '%s');", name, profile)));
    pg_unreachable();
}

void act_as_owner(SavedIdentity* saved)
{
    GetUserIdAndSecContext(&saved->user, &saved->security_context);
    // Restricted: nothing done as the owner may leave state behind for the session (SET ROLE,
    // temporary objects, cursors held past the call).
    SetUserIdAndSecContext(extension_owner(), saved->security_context | SECURITY_LOCAL_USERID_CHANGE |
                                                   SECURITY_RESTRICTED_OPERATION);
}

void restore_identity(const SavedIdentity* saved)
{
    SetUserIdAndSecContext(saved->user, saved->security_context);
}

}  // namespace student_etl::pg
