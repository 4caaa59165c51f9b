// What must hold after any run, whatever was killed or failed on the way, read from the
// database only (never from what the worker says it did). Used by the fault tests and the
// soak. For a set of documents, each expected to complete with `items` clinical items or to
// be dead-lettered:
//   - every page of every completed document has its text, its pass-1 entities and its
//     pass-2 items, and the document its narrative: nothing lost;
//   - each step's result exists exactly once (the expected number of items, one audit event
//     per clinical write): nothing duplicated;
//   - no job is left processing past its lease, and none is still processing at all;
//   - no capacity slot is held for these jobs (a dead holder's slot was taken back);
//   - a dead-lettered document has a readable reason, and usage was counted once per
//     completed job;
//   - every clinical write has exactly one audit event carrying the patient and the job.

import type postgres from "postgres";

export interface Expectation {
  shellFileId: string;
  /** "completed" with this many items in total, or "dead_lettered". */
  outcome: { completed: { items: number } } | "dead_lettered";
}

export interface InvariantReport {
  documents: number;
  completed: number;
  dead_lettered: number;
  /** Neither completed nor failed yet (or another status). */
  unfinished: number;
  pages: number;
  items: number;
  /** Results expected and missing: pages without text/entities, items, narratives. */
  lost: number;
  /** Results (or their audit events) more than expected. */
  duplicates: number;
  jobs_processing: number;
  jobs_past_lease: number;
  leaked_slots: number;
  dead_letters_without_reason: number;
  usage_events_wrong: number;
  clinical_writes: number;
  unaudited_writes: number;
  /** One line per broken invariant, naming the document. */
  violations: string[];
}

interface DocumentRow {
  id: string;
  job_id: string | null;
  status: string;
  job_status: string | null;
  dead_letter: boolean;
  page_count: number | null;
  error_message: string | null;
  texts: number;
  entities: number;
  item_pages: number;
  items: number;
  narratives: number;
  audited_texts: number;
  audited_entities: number;
  audited_item_pages: number;
  audited_narratives: number;
  audit_without_patient: number;
  usage_events: number;
  processing: boolean;
  past_lease: boolean;
  slots: number;
}

export async function checkInvariants(
  sql: postgres.Sql,
  expectations: Expectation[],
): Promise<InvariantReport> {
  const ids = expectations.map((e) => e.shellFileId);
  const rows = await sql<DocumentRow[]>`
    select f.id::text, q.id::text as job_id, f.status, q.status as job_status,
           q.dead_letter_at is not null as dead_letter, f.page_count,
           f.processing_error ->> 'message' as error_message,
           (select count(*)::int from public.shell_file_pages p where p.shell_file_id = f.id) as texts,
           (select count(*)::int from public.page_entity_detections d where d.shell_file_id = f.id) as entities,
           (select count(distinct x.page_number)::int from public.clinical_extractions x where x.shell_file_id = f.id) as item_pages,
           (select count(*)::int from public.clinical_extractions x where x.shell_file_id = f.id) as items,
           (select count(*)::int from public.clinical_narratives n where n.shell_file_id = f.id) as narratives,
           ${audited(sql, "shell_file_pages")} as audited_texts,
           ${audited(sql, "page_entity_detections")} as audited_entities,
           ${audited(sql, "clinical_extractions")} as audited_item_pages,
           ${audited(sql, "clinical_narratives")} as audited_narratives,
           (select count(*)::int from public.audit_log a
             where a.job_id = q.id and a.compliance_category = 'clinical'
               and a.patient_id is distinct from f.patient_id) as audit_without_patient,
           (select count(*)::int from public.usage_events u
             where u.job_id = q.id and u.event_type = 'ai_processing_completed') as usage_events,
           q.status = 'processing' as processing,
           q.status = 'processing' and q.heartbeat_at + private.job_lease_timeout() < now() as past_lease,
           (select count(*)::int from public.api_capacity_leases l where l.job_id = q.id) as slots
      from public.shell_files f
      left join public.job_queue q on q.id = f.processing_job_id
     where f.id = any(${ids}::uuid[])`;
  const byId = new Map(rows.map((r) => [r.id, r]));

  const report: InvariantReport = {
    documents: expectations.length,
    completed: 0,
    dead_lettered: 0,
    unfinished: 0,
    pages: 0,
    items: 0,
    lost: 0,
    duplicates: 0,
    jobs_processing: 0,
    jobs_past_lease: 0,
    leaked_slots: 0,
    dead_letters_without_reason: 0,
    usage_events_wrong: 0,
    clinical_writes: 0,
    unaudited_writes: 0,
    violations: [],
  };
  const violation = (id: string, what: string) => report.violations.push(`${id}: ${what}`);
  /** Compares a count with what is expected, as lost (fewer) or duplicates (more). */
  const expectCount = (id: string, what: string, actual: number, expected: number) => {
    if (actual < expected) report.lost += expected - actual;
    if (actual > expected) report.duplicates += actual - expected;
    if (actual !== expected) violation(id, `${what}: ${actual}, expected ${expected}`);
  };

  for (const expectation of expectations) {
    const id = expectation.shellFileId;
    const row = byId.get(id);
    if (!row) {
      report.lost++;
      violation(id, "no shell_files row");
      continue;
    }
    report.pages += row.texts;
    report.items += row.items;
    if (row.processing) report.jobs_processing++;
    if (row.past_lease) {
      report.jobs_past_lease++;
      violation(id, "job still processing past its lease");
    }
    if (row.slots > 0) {
      report.leaked_slots += row.slots;
      violation(id, `${row.slots} capacity slot(s) still held`);
    }

    // Every clinical write has exactly one audit event, with the patient.
    const writes = row.texts + row.entities + row.item_pages + row.narratives;
    const audits = row.audited_texts + row.audited_entities + row.audited_item_pages + row.audited_narratives;
    report.clinical_writes += writes;
    if (audits < writes) {
      report.unaudited_writes += writes - audits;
      violation(id, `${writes - audits} clinical write(s) without an audit event`);
    }
    if (audits > writes) {
      report.duplicates += audits - writes;
      violation(id, `${audits - writes} audit event(s) more than clinical writes`);
    }
    if (row.audit_without_patient > 0) violation(id, `${row.audit_without_patient} clinical audit event(s) without the patient`);

    if (expectation.outcome === "dead_lettered") {
      if (row.status === "failed" && row.dead_letter) {
        report.dead_lettered++;
        if (!row.error_message?.trim()) {
          report.dead_letters_without_reason++;
          violation(id, "dead-lettered without a readable reason");
        }
      } else {
        report.unfinished++;
        violation(id, `expected dead-lettered, is ${row.status}/${row.job_status}`);
      }
      continue;
    }

    if (row.status !== "completed" || row.job_status !== "completed") {
      report.unfinished++;
      if (row.status === "failed") report.dead_lettered += row.dead_letter ? 1 : 0;
      violation(id, `expected completed, is ${row.status}/${row.job_status}: ${row.error_message ?? ""}`);
      continue;
    }
    report.completed++;
    const pages = row.page_count ?? 0;
    expectCount(id, "pages with text", row.texts, pages);
    expectCount(id, "pages with entities", row.entities, pages);
    expectCount(id, "clinical items", row.items, expectation.outcome.completed.items);
    expectCount(id, "narratives", row.narratives, 1);
    if (row.usage_events !== 1) {
      report.usage_events_wrong++;
      violation(id, `${row.usage_events} AI usage events, expected 1`);
    }
  }
  return report;
}

/** Audit events of one clinical table for the document's job (a query fragment). */
function audited(sql: postgres.Sql, table: string) {
  return sql`(select count(*)::int from public.audit_log a
               where a.job_id = q.id and a.table_name = ${table} and a.operation = 'INSERT'
                 and a.compliance_category = 'clinical')`;
}

/** Whether nothing was lost or duplicated and every other invariant holds. */
export function invariantsHold(report: InvariantReport): boolean {
  return report.violations.length === 0 && report.unfinished === 0;
}

/**
 * The rate limiter's books, for the whole database rather than some documents: each
 * api_rate_limits row's active_requests must equal its live leases (acquire adds one of
 * each, release and reclaim remove one of each). A row listed here counts a slot nobody
 * holds (a leak: its concurrency shrinks for good) or holds slots it does not count.
 */
export async function slotAccounting(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ row: string; active_requests: number; leases: number }[]>`
    select r.provider_name || ':' || r.api_endpoint as row, r.active_requests,
           (select count(*)::int from public.api_capacity_leases l where l.rate_limit_id = r.id) as leases
      from public.api_rate_limits r
     order by 1`;
  return rows.filter((r) => r.active_requests !== r.leases)
    .map((r) => `${r.row}: active_requests ${r.active_requests}, live leases ${r.leases}`);
}
