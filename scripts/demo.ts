// The main job, end to end on the running local stack: a user uploads the sample documents,
// the intake function queues them, pg_cron / pg_net-driven Edge Function invocations process
// them page by page, and this prints live progress and then what was extracted.
// Usage: deno run -A scripts/demo.ts   (instance: STACK_INSTANCE, default dev)

import postgres from "postgres";
import { loadConfig, repoRoot } from "../stack/config.ts";
import { readEnvFile } from "../stack/instance.ts";
import {
  type Account,
  BUCKET,
  createAccount,
  FINISHED,
  invocationsSoFar,
  kickDispatcher,
  processingStatus,
  type ProcessingStatus,
  submitDocument,
} from "./lib/documents.ts";

const SAMPLES = [
  { name: "discharge-summary.pdf", mimeType: "application/pdf" },
  { name: "scanned-referral.png", mimeType: "image/png" },
  { name: "scanned-referral.pdf", mimeType: "application/pdf" },
  { name: "password-protected.pdf", mimeType: "application/pdf" },
];
const TIMEOUT_MS = 5 * 60_000;

const config = loadConfig(repoRoot());
const env = readEnvFile(config);
const endpoints = { url: env.SUPABASE_URL, anonKey: env.SUPABASE_ANON_KEY, jwtSecret: env.SUPABASE_JWT_SECRET };
const sql = postgres(env.SUPABASE_DB_URL, { max: 2, onnotice: () => {} });

function progressLine(name: string, s: ProcessingStatus): string {
  const pages = s.page_count ?? "?";
  const parts = [
    `text ${s.text_done}/${pages}`,
    `entities ${s.pass1_done}/${pages}`,
    `extraction ${s.pass2_done}/${pages}`,
    `narrative ${s.narrative_done ? "done" : "-"}`,
  ];
  return `  ${name.padEnd(24)} ${s.status.padEnd(10)} ${parts.join("  ")}`;
}

async function summary(account: Account, name: string, shellFileId: string, s: ProcessingStatus) {
  console.log(`\n${name}: ${s.status}${s.page_count ? `, ${s.page_count} page(s)` : ""}`);
  console.log(`  stored at ${BUCKET}/${account.profileId}/${name}`);
  if (s.status !== "completed") {
    console.log(`  reason shown to the user: ${s.error?.message ?? "(none)"}`);
    return;
  }
  const items = await account.client.from("clinical_extractions").select("category, label")
    .eq("shell_file_id", shellFileId).order("page_number").order("item_index");
  const byCategory = new Map<string, string[]>();
  for (const item of items.data ?? []) {
    byCategory.set(item.category, [...(byCategory.get(item.category) ?? []), item.label]);
  }
  for (const [category, labels] of byCategory) console.log(`  ${category}: ${labels.join("; ")}`);
  const narrative = await account.client.from("clinical_narratives").select("title, narrative")
    .eq("shell_file_id", shellFileId).maybeSingle();
  if (narrative.data) {
    console.log(`  narrative "${narrative.data.title}": ${narrative.data.narrative.slice(0, 240)}`);
  }
  console.log("  tables: shell_file_pages, page_entity_detections, clinical_extractions, clinical_narratives");
}

try {
  const started = Date.now();
  const invocationsBefore = await invocationsSoFar(endpoints, "job-worker");
  const account = await createAccount(sql, endpoints, "demo-patient");
  console.log(`demo user ${account.email}, profile ${account.profileId}`);

  const docs: Array<{ name: string; id: string }> = [];
  for (const sample of SAMPLES) {
    const bytes = await Deno.readFile(`${config.root}/samples/${sample.name}`);
    const submission = await submitDocument(endpoints, account, { ...sample, bytes });
    if (!submission.body.shell_file_id) {
      throw new Error(`intake refused ${sample.name}: ${submission.status} ${JSON.stringify(submission.body)}`);
    }
    console.log(`  submitted ${sample.name} (HTTP ${submission.status}) -> shell file ${submission.body.shell_file_id}`);
    docs.push({ name: sample.name, id: submission.body.shell_file_id });
  }
  console.log(`started ${await kickDispatcher(sql)} worker invocation(s); pg_cron keeps them coming\n`);

  const last = new Map<string, string>();
  const statuses = new Map<string, ProcessingStatus>();
  while (Date.now() - started < TIMEOUT_MS) {
    for (const doc of docs) {
      const s = await processingStatus(account, doc.id);
      statuses.set(doc.id, s);
      const line = progressLine(doc.name, s);
      if (last.get(doc.id) !== line) console.log(line);
      last.set(doc.id, line);
    }
    if ([...statuses.values()].every((s) => FINISHED.has(s.status))) break;
    await new Promise((r) => setTimeout(r, 300));
  }

  for (const doc of docs) await summary(account, doc.name, doc.id, statuses.get(doc.id)!);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const invocations = (await invocationsSoFar(endpoints, "job-worker")) - invocationsBefore;
  const unfinished = [...statuses.values()].filter((s) => !FINISHED.has(s.status)).length;
  console.log(`\n${docs.length} documents in ${seconds} s, ${invocations} job-worker invocation(s)` +
    (unfinished ? `; ${unfinished} still unfinished after ${TIMEOUT_MS / 1000} s` : ""));
  await sql.end();
  Deno.exit(unfinished ? 1 : 0);
} catch (error) {
  console.error(`demo: ${(error as Error).message}`);
  await sql.end();
  Deno.exit(1);
}
