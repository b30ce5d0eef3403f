#pragma once

#include <soci/soci.h>

#include <string>
#include <vector>

namespace agentstudio::store {

// Applies the embedded migrations (sql/migrations/NNN_name.sql) that are not
// yet recorded in `schema_migrations`, in order, in one transaction, under an
// advisory lock so concurrent starters do not race. Returns the names applied
// (empty when the schema was current). Throws DatabaseError.
std::vector<std::string> ApplyMigrations(soci::session& session);

// How many migrations this build carries.
size_t MigrationCount();

}  // namespace agentstudio::store
