// `POST /object/list/:bucket`: one folder level under a prefix, as hosted Storage's
// storage.search answers it. Sub-folders come back as entries with `id: null`; names are
// relative to the prefix; `search` narrows to names starting with it. Runs as the caller, so
// only objects the caller may SELECT are listed (and only their folders appear).

import { errors } from "./errors.ts";
import type { Tx } from "./db.ts";

const SORT_COLUMNS = ["name", "updated_at", "created_at", "last_accessed_at"] as const;
type SortColumn = (typeof SORT_COLUMNS)[number];

export interface ListOptions {
  /** Always "" or ending in "/": hosted treats the prefix as a folder. */
  prefix: string;
  search: string;
  limit: number;
  offset: number;
  column: SortColumn;
  ascending: boolean;
}

const MAX_LIMIT = 1000;

function nonNegativeInt(value: unknown, fallback: number, field: string): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw errors.invalidRequest(
      `${field} must be a whole number of 0 or more, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** Reads and checks the list request body. */
export function listOptions(body: Record<string, unknown>): ListOptions {
  const rawPrefix = body.prefix ?? "";
  if (typeof rawPrefix !== "string") throw errors.invalidRequest("prefix must be a string");
  let prefix = rawPrefix.replace(/^\/+/, "");
  if (prefix !== "" && !prefix.endsWith("/")) prefix = `${prefix}/`;
  const search = body.search ?? "";
  if (typeof search !== "string") throw errors.invalidRequest("search must be a string");
  const sortBy = (body.sortBy ?? {}) as { column?: unknown; order?: unknown };
  const column = (sortBy.column ?? "name") as SortColumn;
  if (!SORT_COLUMNS.includes(column)) {
    throw errors.invalidRequest(`sortBy.column must be one of ${SORT_COLUMNS.join(", ")}`);
  }
  const order = String(sortBy.order ?? "asc").toLowerCase();
  if (order !== "asc" && order !== "desc") {
    throw errors.invalidRequest("sortBy.order must be asc or desc");
  }
  return {
    prefix,
    search,
    limit: Math.min(nonNegativeInt(body.limit, 100, "limit"), MAX_LIMIT),
    offset: nonNegativeInt(body.offset, 0, "offset"),
    column,
    ascending: order === "asc",
  };
}

/** LIKE pattern matching names that start with `text`, wildcards in `text` taken literally. */
export function startsWithPattern(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`) + "%";
}

export interface ListEntry {
  name: string;
  id: string | null;
  updated_at: Date | null;
  created_at: Date | null;
  last_accessed_at: Date | null;
  metadata: Record<string, unknown> | null;
}

export async function listObjects(
  tx: Tx,
  bucket: string,
  options: ListOptions,
): Promise<ListEntry[]> {
  const direction = options.ascending ? tx`asc` : tx`desc`;
  // By name, folders and files interleave, case-insensitively; by a date, folders come first.
  const order = options.column === "name"
    ? tx`lower(name) collate "C" ${direction}, name collate "C" ${direction}`
    : tx`is_folder desc, case when is_folder then lower(name) end ${direction}, ${
      tx(options.column)
    } ${direction}, name`;
  const rows = await tx`
    with matched as (
      select o.*, substr(o.name, length(${options.prefix}) + 1) as rest
      from storage.objects o
      where o.bucket_id = ${bucket}
        and lower(o.name) like lower(${startsWithPattern(options.prefix + options.search)})
    ), entries as (
      select distinct split_part(rest, '/', 1) as name, null::uuid as id, null::timestamptz as updated_at,
             null::timestamptz as created_at, null::timestamptz as last_accessed_at, null::jsonb as metadata,
             true as is_folder
      from matched where strpos(rest, '/') > 0
      union all
      select rest, id, updated_at, created_at, last_accessed_at, metadata, false
      from matched where strpos(rest, '/') = 0
    )
    select name, id, updated_at, created_at, last_accessed_at, metadata from entries
    order by ${order}
    limit ${options.limit} offset ${options.offset}`;
  return rows as unknown as ListEntry[];
}
