// One delivery, loaded in the caller's transaction: the pipeline behind student_etl.load()
// (see load_pipeline.hpp). PostgreSQL-side code: its frames hold only plain data; the parser
// is a C++ object owned by the load's memory context (guard.hpp), reached only through
// run_cpp().
#include "load_pipeline.hpp"

#include "bulk_writer.hpp"
#include "delivery_file.hpp"
#include "background_parser.hpp"
#include "guard.hpp"
#include "quality.hpp"
#include "settings.hpp"
#include "student_rows.hpp"
#include "student_metrics.hpp"
#include "trust.hpp"
#include "validated_checks.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "commands/progress.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "tcop/utility.h"
#include "utils/backend_progress.h"
#include "utils/builtins.h"
}

namespace student_etl::pg {

namespace {

constexpr size_t kReadChunk = 256 * 1024;

const TargetColumn kRejectColumns[] = {int8_column("run_id"), int8_column("line_number"), text_column("reason"),
                                       text_column("raw_record")};
constexpr int kRejectColumnCount = sizeof kRejectColumns / sizeof kRejectColumns[0];
const TargetColumn kIssueColumns[] = {int8_column("run_id"), int8_column("line_number"),
                                      TargetColumn{"issue_no", INT2OID, -1, false},
                                      TargetColumn{"column_name", TEXTOID, -1, true}, text_column("rule"),
                                      TargetColumn{"value", TEXTOID, -1, true}};
constexpr int kIssueColumnCount = sizeof kIssueColumns / sizeof kIssueColumns[0];
const TargetColumn kFacetColumns[] = {
    int8_column("run_id"), text_column("subject"), text_column("facet"), text_column("key1"), text_column("key2"),
    text_column("key3"), int8_column("students"), int8_column("passed"), int8_column("at_risk"),
    int8_column("sum_g1"), int8_column("sum_g2"), int8_column("sum_g3"), int8_column("sum_absences"),
    int8_column("sum_alcohol_week"), int8_column("known_g1"), int8_column("known_g2"),
    int8_column("known_absences"), int8_column("known_alcohol"), int8_column("known_at_risk"),
    int8_column("likely_dropouts")};
constexpr int kFacetColumnCount = sizeof kFacetColumns / sizeof kFacetColumns[0];

// The subject argument, normalised, or the one the file name implies.
const char* resolve_subject(const char* given, const char* path)
{
    if (given != nullptr) {
        auto subject = normalize_subject(given);
        if (!subject)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("subject \"%s\" is not one of math, portuguese", given)));
        return pnstrdup(subject->data(), subject->size());
    }
    bool ambiguous = false;
    auto subject = infer_subject_from_path(path, &ambiguous);
    if (ambiguous)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("the file name of \"%s\" names both math and portuguese", path),
                        errhint("Rename the file, or pass subject => 'math' or 'portuguese'.")));
    if (!subject)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cannot infer the subject of \"%s\" from its file name", path),
                        errhint("Put mat or por (math, portuguese) in the file name, as in student-mat.csv or 2026-11-25_student-por.csv, or pass subject => 'math' or 'portuguese'.")));
    return pnstrdup(subject->data(), subject->size());
}

pg_attribute_noreturn() void raise_invalid_delivery(const DeliveryFile* file)
{
    raise_caught_error(psprintf("invalid delivery \"%s\"", file->given_path));
}

// Each rejected record, and its problems one by one (reject_issues): column, rule and value
// apart, so that nobody ever parses the reason text again.
void write_rejects(const ParsedBatch* parsed, BulkWriter* records, BulkWriter* issues, int64 run_id)
{
    MemoryContext batch = bulk_writer_batch_memory(records);
    MemoryContext issue_batch = bulk_writer_batch_memory(issues);
    for (const RejectedRow& r : parsed->rejects) {
        MemoryContext old = MemoryContextSwitchTo(batch);
        Datum values[] = {
            Int64GetDatum(run_id),
            Int64GetDatum(static_cast<int64>(r.line)),
            PointerGetDatum(cstring_to_text_with_len(r.reason.data(), static_cast<int>(r.reason.size()))),
            PointerGetDatum(cstring_to_text_with_len(r.raw.data(), static_cast<int>(r.raw.size()))),
        };
        MemoryContextSwitchTo(old);
        const bool nulls[] = {false, false, false, false};
        bulk_writer_add(records, values, nulls);
        for (size_t i = 0; i < r.issues.size(); ++i) {
            const RejectIssue& issue = r.issues[i];
            const bool whole_record = issue.column < 0;
            MemoryContext old_issue = MemoryContextSwitchTo(issue_batch);
            Datum issue_values[] = {
                Int64GetDatum(run_id),
                Int64GetDatum(static_cast<int64>(r.line)),
                Int16GetDatum(static_cast<int16>(i + 1)),
                whole_record ? (Datum) 0
                             : PointerGetDatum(cstring_to_text_with_len(kColumns[issue.column].name.data(),
                                                                        static_cast<int>(kColumns[issue.column].name.size()))),
                CStringGetTextDatum(reject_rule_name(issue.rule)),
                whole_record ? (Datum) 0
                             : PointerGetDatum(cstring_to_text_with_len(issue.value.data(),
                                                                        static_cast<int>(issue.value.size()))),
            };
            MemoryContextSwitchTo(old_issue);
            const bool issue_nulls[] = {false, false, false, whole_record, false, whole_record};
            bulk_writer_add(issues, issue_values, issue_nulls);
        }
    }
}

void write_rows(const ParsedBatch* parsed, BulkWriter* writer, const StudentDatums* datums,
                BulkWriter* missing_values, int64 run_id)
{
    Datum values[64];
    bool nulls[64];
    Assert(kStudentColumnCount <= 64);
    for (const ParsedRow& row : parsed->rows) {
        fill_student_row(datums, row, values, nulls);
        bulk_writer_add(writer, values, nulls);
        if (unlikely(row.missing != 0))
            write_missing_values(row, missing_values, run_id);
    }
}

// The run's pre-aggregated cells (student_metrics.hpp) into run_facets, in this transaction.
void write_facets(const RunAggregates* aggregates, const char* subject, int64 run_id)
{
    auto* cells = make_owned_by<std::vector<FacetCell>>(CurrentMemoryContext, "collecting metrics");
    if (!run_cpp([&] { *cells = aggregates->cells(); }))
        raise_caught_error("collecting metrics");
    BulkWriter* writer = bulk_writer_open("run_facets", kFacetColumns, kFacetColumnCount, kSmallBatchRows);
    MemoryContext batch = bulk_writer_batch_memory(writer);
    Datum subject_text = CStringGetTextDatum(subject);
    for (size_t i = 0; i < cells->size(); ++i) {
        const FacetCell& cell = (*cells)[i];
        MemoryContext old = MemoryContextSwitchTo(batch);
        Datum values[] = {
            Int64GetDatum(run_id), subject_text, CStringGetTextDatum(cell.facet),
            CStringGetTextDatum(cell.key[0]), CStringGetTextDatum(cell.key[1]), CStringGetTextDatum(cell.key[2]),
            Int64GetDatum(cell.sums.students), Int64GetDatum(cell.sums.passed), Int64GetDatum(cell.sums.at_risk),
            Int64GetDatum(cell.sums.sum_g1), Int64GetDatum(cell.sums.sum_g2), Int64GetDatum(cell.sums.sum_g3),
            Int64GetDatum(cell.sums.sum_absences), Int64GetDatum(cell.sums.sum_alcohol_week),
            Int64GetDatum(cell.sums.known_g1), Int64GetDatum(cell.sums.known_g2),
            Int64GetDatum(cell.sums.known_absences), Int64GetDatum(cell.sums.known_alcohol),
            Int64GetDatum(cell.sums.known_at_risk), Int64GetDatum(cell.sums.likely_dropouts),
        };
        MemoryContextSwitchTo(old);
        const bool nulls[kFacetColumnCount] = {};
        bulk_writer_add(writer, values, nulls);
    }
    bulk_writer_close(writer);
}

// The parse pass: a background thread reads and parses (BackgroundParser, pure C++) while
// this backend, which alone calls PostgreSQL, writes what it hands over. Returns the counts;
// raises on anything that makes the file not a delivery.
RunCounts parse_and_write(DeliveryFile* file, const char* subject, int64 run_id)
{
    MemoryContext load_memory = AllocSetContextCreate(CurrentMemoryContext, "student_etl load",
                                                      ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(load_memory);

    RunAggregates* aggregates = make_owned_by<RunAggregates>(load_memory, "starting the metrics");
    const StudentDatums* datums = build_student_datums(subject, run_id);
    BulkWriter* facts = bulk_writer_open("student_performance_history", kStudentColumns, kStudentColumnCount,
                                         insert_batch_rows);
    trust_validated_checks(facts);
    BulkWriter* rejects = bulk_writer_open("rejected_rows", kRejectColumns, kRejectColumnCount, kSmallBatchRows);
    BulkWriter* issues = bulk_writer_open("reject_issues", kIssueColumns, kIssueColumnCount, kSmallBatchRows);
    BulkWriter* missing_values = open_missing_values_writer();
    ParserOptions* options = build_parser_options(load_memory);
    options->ascii_only_raw = GetDatabaseEncoding() != PG_UTF8;

    // Visible in pg_stat_progress_copy, like COPY FROM a file.
    pgstat_progress_start_command(PROGRESS_COMMAND_COPY, bulk_writer_relid(facts));
    const int progress_keys[] = {PROGRESS_COPY_COMMAND, PROGRESS_COPY_TYPE, PROGRESS_COPY_BYTES_TOTAL};
    const int64 progress_start[] = {PROGRESS_COPY_COMMAND_FROM, PROGRESS_COPY_TYPE_FILE,
                                    static_cast<int64>(file->st.st_size)};
    pgstat_progress_update_multi_param(3, progress_keys, progress_start);

    // The checksum, unless known already, is computed by the parse thread from the very bytes
    // it parses (made before the parser, so destroyed after it).
    Sha256* digest = file->checksum[0] == '\0' ? make_owned_by<Sha256>(load_memory, "starting the checksum") : nullptr;
    // Started last: from here on the thread reads, sums the run's metrics and hashes while
    // this backend writes. Owned by load_memory (after the aggregates and the digest, so
    // destroyed before them): an error or a cancel below stops and joins it when the memory
    // goes.
    BackgroundParser* parser = make_owned_by<BackgroundParser>(load_memory, "starting the parser", file->fd,
                                                               *options, kReadChunk, ParseQueueLimits{}, aggregates,
                                                               digest);
    uint64 rejected = 0;
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        ParsedBatch* parsed = nullptr;
        bool done = false;
        // A short wait, so that a cancel or statement_timeout is noticed promptly.
        if (!run_cpp([&] { parsed = parser->next(std::chrono::milliseconds(100)); done = parser->done(); }))
            raise_invalid_delivery(file);
        if (parsed == nullptr) {
            if (done)
                break;
            continue;
        }
        write_rows(parsed, facts, datums, missing_values, run_id);
        write_rejects(parsed, rejects, issues, run_id);
        rejected += parsed->rejects.size();
        const int keys[] = {PROGRESS_COPY_BYTES_PROCESSED, PROGRESS_COPY_TUPLES_PROCESSED,
                            PROGRESS_COPY_TUPLES_EXCLUDED};
        const int64 vals[] = {static_cast<int64>(parsed->bytes_read), static_cast<int64>(bulk_writer_rows(facts)),
                              static_cast<int64>(rejected)};
        pgstat_progress_update_multi_param(3, keys, vals);
        parser->release(parsed);   // noexcept
    }
    if (digest != nullptr)
        finish_checksum(digest, file->checksum);
    check_delivery_unchanged(file, parser->bytes_read());

    RunCounts counts;
    counts.rows_read = parser->records_read();
    counts.rows_rejected = parser->records_rejected();
    counts.delimiter = parser->delimiter();
    counts.rows_with_missing = parser->quality().rows_with_missing();
    bulk_writer_close(facts);
    bulk_writer_close(rejects);
    bulk_writer_close(issues);
    bulk_writer_close(missing_values);
    counts.rows_loaded = bulk_writer_rows(facts);
    pgstat_progress_end_command();
    write_facets(aggregates, subject, run_id);
    write_run_quality(parser->quality(), run_id);

    MemoryContextSwitchTo(old);
    MemoryContextDelete(load_memory);   // joins the parser thread, frees the C++ objects
    return counts;
}

}  // namespace

LoadOutcome load_delivery(const char* path, const char* subject_arg)
{
    // Who asked: recorded as loaded_by, and must hold the loader profile. Everything written
    // below is written as the extension's owner: loaders hold no rights on the tables.
    const Oid caller = authorize_caller("loader", "load deliveries");
    // Under REPEATABLE READ or SERIALIZABLE the duplicate check would see the transaction's
    // snapshot, not the loads committed since: refuse before reading anything.
    if (IsolationUsesXactSnapshot())
        ereport(ERROR, (errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
                        errmsg("student_etl.load() runs only in READ COMMITTED transactions"),
                        errdetail("The transaction's isolation level is %s.", XactIsoLevel == XACT_SERIALIZABLE ? "SERIALIZABLE" : "REPEATABLE READ"),
                        errhint("Load in its own transaction, or SET TRANSACTION ISOLATION LEVEL READ COMMITTED first.")));
    // It writes: refused at once, as PostgreSQL refuses a write command (on a standby too).
    PreventCommandIfReadOnly("student_etl.load()");
    const char* loaded_by = GetUserNameFromId(caller, false);
    DeliveryFile* file = open_delivery(path);
    LoadOutcome outcome{};
    outcome.subject = resolve_subject(subject_arg, file->given_path);

    const TimestampTz started_at = GetCurrentTimestamp();
    SavedIdentity caller_identity;
    act_as_owner(&caller_identity);
    // Only a file the size of a loaded one can be a duplicate: then its checksum is needed
    // first. Otherwise the parse thread computes it while it parses.
    lock_content_size(static_cast<uint64>(file->st.st_size));
    int64 duplicate_of = 0;
    if (loaded_run_of_size_exists(static_cast<uint64>(file->st.st_size))) {
        checksum_delivery(file);
        duplicate_of = find_loaded_run(file->checksum);
    }
    if (duplicate_of != 0) {
        outcome.run_id = insert_skipped_run(file, outcome.subject, duplicate_of, loaded_by);
        outcome.status = "skipped";
    } else {
        outcome.run_id = reserve_run_id();
        outcome.counts = parse_and_write(file, outcome.subject, outcome.run_id);
        outcome.status = "loaded";
        insert_loaded_run(LoadedRun{outcome.run_id, file, outcome.subject, loaded_by, started_at, outcome.counts});
    }
    restore_identity(&caller_identity);
    close_delivery(file);
    return outcome;
}

}  // namespace student_etl::pg
