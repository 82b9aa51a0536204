// See quality.hpp.
#include "quality.hpp"

#include "guard.hpp"
#include "settings.hpp"
#include "spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
}

#include <cstdio>

namespace student_etl::pg {

namespace {

// One row of the effective policy, copied out of SPI's memory.
struct PolicyRow {
    char* column_name;
    char* action;
    char* default_value;   // nullptr unless action is 'default'
};

struct PolicyRows {
    int n;
    PolicyRow* rows;
};

void read_policy_rows(void* arg)
{
    auto* out = static_cast<PolicyRows*>(arg);
    out->n = static_cast<int>(SPI_processed);
    out->rows = static_cast<PolicyRow*>(palloc0(sizeof(PolicyRow) * (out->n + 1)));
    for (int i = 0; i < out->n; ++i) {
        out->rows[i].column_name = sql_result_text(i, 1);
        out->rows[i].action = sql_result_text(i, 2);
        out->rows[i].default_value = sql_result_text(i, 3);
    }
}

const TargetColumn kMissingValueColumns[] = {int8_column("run_id"), int8_column("line_number"),
                                             text_column("column_name"), text_column("action")};
constexpr int kMissingValueColumnCount = sizeof kMissingValueColumns / sizeof kMissingValueColumns[0];

const TargetColumn kRunQualityColumns[] = {int8_column("run_id"), int8_column("duplicate_records"),
                                           TargetColumn{"duplicates_complete", BOOLOID, -1, false},
                                           int8_column("likely_dropouts")};
constexpr int kRunQualityColumnCount = sizeof kRunQualityColumns / sizeof kRunQualityColumns[0];

const TargetColumn kRunMissingColumns[] = {int8_column("run_id"), text_column("column_name"),
                                           int8_column("kept_null"), int8_column("defaulted"),
                                           int8_column("rejected")};
constexpr int kRunMissingColumnCount = sizeof kRunMissingColumns / sizeof kRunMissingColumns[0];

Datum column_name_text(int slot)
{
    const std::string_view name = kColumns[slot].name;
    return PointerGetDatum(cstring_to_text_with_len(name.data(), static_cast<int>(name.size())));
}

}  // namespace

ParserOptions* build_parser_options(MemoryContext owner)
{
    ParserOptions* options = make_owned_by<ParserOptions>(owner, "preparing the parser");
    PolicyRows policy{0, nullptr};
    // The set row of a column wins over the shipped one (shipped sorts false first).
    run_sql("SELECT DISTINCT ON (column_name) column_name, action, default_value"
            "  FROM student_etl.missing_value_policy ORDER BY column_name, shipped",
            kNoArgs, SPI_OK_SELECT, read_policy_rows, &policy);
    static char problem[512];
    const char* markers = missing_value_markers != nullptr ? missing_value_markers : "";
    if (!run_cpp([&] { options->missing.set_markers(parse_marker_list(markers)); }))
        raise_caught_error("reading student_etl.missing_value_markers");
    for (int i = 0; i < policy.n; ++i) {
        const PolicyRow& row = policy.rows[i];
        problem[0] = '\0';
        if (!run_cpp([&] {
                const auto slot = find_column(row.column_name);
                const auto action = parse_missing_action(row.action ? row.action : "");
                if (!slot || !action) {
                    std::snprintf(problem, sizeof problem, "unknown column or action");
                    return;
                }
                const std::string why = options->missing.set(*slot, *action, row.default_value ? row.default_value : "");
                std::snprintf(problem, sizeof problem, "%s", why.c_str());
            }))
            raise_caught_error("reading the missing-value policy");
        if (problem[0] != '\0')
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("missing-value policy of column \"%s\" cannot be applied: %s", row.column_name,
                                   problem),
                            errhint("Fix it with student_etl.set_missing_value_policy().")));
    }
    return options;
}

BulkWriter* open_missing_values_writer()
{
    return bulk_writer_open("missing_values", kMissingValueColumns, kMissingValueColumnCount, kSmallBatchRows);
}

void write_missing_values(const ParsedRow& row, BulkWriter* writer, int64 run_id)
{
    MemoryContext batch = bulk_writer_batch_memory(writer);
    const bool nulls[kMissingValueColumnCount] = {};
    for (int c = 0; c < kColumnCount; ++c) {
        if (((row.missing >> c) & 1U) == 0)
            continue;
        MemoryContext old = MemoryContextSwitchTo(batch);
        Datum values[] = {
            Int64GetDatum(run_id),
            Int64GetDatum(static_cast<int64>(row.line)),
            column_name_text(c),
            CStringGetTextDatum(is_null(row, c) ? "keep_null" : "default"),
        };
        MemoryContextSwitchTo(old);
        bulk_writer_add(writer, values, nulls);
    }
}

void write_run_quality(const DeliveryQuality& quality, int64 run_id)
{
    BulkWriter* runs = bulk_writer_open("run_quality", kRunQualityColumns, kRunQualityColumnCount, 1);
    const bool run_nulls[kRunQualityColumnCount] = {};
    Datum run_values[] = {
        Int64GetDatum(run_id),
        Int64GetDatum(static_cast<int64>(quality.duplicate_records())),
        BoolGetDatum(quality.duplicates_complete()),
        Int64GetDatum(static_cast<int64>(quality.likely_dropouts())),
    };
    bulk_writer_add(runs, run_values, run_nulls);
    bulk_writer_close(runs);

    BulkWriter* columns = bulk_writer_open("run_missing_values", kRunMissingColumns, kRunMissingColumnCount,
                                           kSmallBatchRows);
    MemoryContext batch = bulk_writer_batch_memory(columns);
    const bool nulls[kRunMissingColumnCount] = {};
    for (int c = 0; c < kColumnCount; ++c) {
        const ColumnMissing& m = quality.missing()[static_cast<std::size_t>(c)];
        if (m.kept_null == 0 && m.defaulted == 0 && m.rejected == 0)
            continue;
        MemoryContext old = MemoryContextSwitchTo(batch);
        Datum values[] = {
            Int64GetDatum(run_id), column_name_text(c), Int64GetDatum(static_cast<int64>(m.kept_null)),
            Int64GetDatum(static_cast<int64>(m.defaulted)), Int64GetDatum(static_cast<int64>(m.rejected)),
        };
        MemoryContextSwitchTo(old);
        bulk_writer_add(columns, values, nulls);
    }
    bulk_writer_close(columns);
}

}  // namespace student_etl::pg
