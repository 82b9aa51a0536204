// Who may do what, and as whom the extension acts (docs/security.md).
//
// Users hold profiles -- dashboard < analyst < loader < admin, granted with
// student_etl.grant_access() and kept in student_etl.role_profiles -- and never write the
// extension's tables. An entry point takes the caller from the current user (GetUserId(): who
// really called, never an argument or a row a user wrote), checks the caller's profile, and
// then writes as the extension's owner, the superuser who ran CREATE EXTENSION and owns every
// table. PostgreSQL-side code: plain data only (guard.hpp).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace student_etl::pg {

// The identity to go back to after acting as the owner.
struct SavedIdentity {
    Oid user;
    int security_context;
};

// Raises unless the installed extension's version is the one this library was built for
// (between installing a new library and ALTER EXTENSION student_etl UPDATE).
void require_schema_version();

// Null when the installed version matches this library; otherwise the installed version
// (palloc'd), or "" when the extension is not installed.
const char* schema_version_mismatch();

// Checks the schema version and that the current user holds `profile` (or a higher one, or
// is a superuser); raises insufficient_privilege naming `action` otherwise. Returns the
// caller's role.
Oid authorize_caller(const char* profile, const char* action);

// True if role holds profile (or a higher one), or is a superuser.
bool role_has_profile(Oid role, const char* profile);

// Becomes the extension owner (in a security-restricted operation) until restore_identity()
// -- or until the transaction or subtransaction aborts, which restores the user itself.
void act_as_owner(SavedIdentity* saved);
void restore_identity(const SavedIdentity* saved);

}  // namespace student_etl::pg
