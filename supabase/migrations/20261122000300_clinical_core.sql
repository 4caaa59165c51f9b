-- =============================================================================
-- 03 CLINICAL CORE: uploaded documents (shell_files) and what processing makes of
-- them. Every result table is keyed so that the same step's result cannot be
-- written twice: a retried or racing step meets the key, not a duplicate.
-- Users read their profiles' rows; only the service role writes results.
-- =============================================================================

create table if not exists public.shell_files (
  id uuid primary key default extensions.gen_random_uuid(),
  patient_id uuid not null references public.user_profiles (id) on delete cascade,
  uploaded_by uuid references auth.users (id) on delete set null,
  -- Object name in the documents bucket: '<patient_id>/<file name>'.
  storage_path text not null unique
    check (storage_path !~ '(^/|\.\./|//)' and length(storage_path) between 3 and 1024),
  original_filename text not null check (length(btrim(original_filename)) between 1 and 255),
  mime_type text not null check (mime_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
  file_size_bytes bigint not null check (file_size_bytes > 0),
  -- Known once the file has been inspected; estimated before that.
  page_count integer check (page_count > 0),
  estimated_pages integer check (estimated_pages > 0),
  status text not null default 'uploaded'
    check (status in ('uploaded', 'queued', 'processing', 'completed', 'failed', 'cancelled')),
  processing_job_id uuid,
  processing_error jsonb,
  idempotency_key text unique check (length(idempotency_key) between 8 and 200),
  processing_started_at timestamptz,
  processing_completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists shell_files_patient_idx on public.shell_files (patient_id, created_at desc);

-- Per-page text: the PDF's own text layer, or OCR when it has none.
create table if not exists public.shell_file_pages (
  shell_file_id uuid not null references public.shell_files (id) on delete cascade,
  page_number integer not null check (page_number >= 1),
  patient_id uuid not null references public.user_profiles (id) on delete cascade,
  text_source text not null check (text_source in ('pdf_text_layer', 'ocr')),
  page_text text not null,
  confidence numeric(5, 4) check (confidence between 0 and 1),
  provider text,
  job_id uuid,
  created_at timestamptz not null default now(),
  primary key (shell_file_id, page_number)
);

-- AI pass 1: entities detected on a page.
create table if not exists public.page_entity_detections (
  shell_file_id uuid not null references public.shell_files (id) on delete cascade,
  page_number integer not null check (page_number >= 1),
  patient_id uuid not null references public.user_profiles (id) on delete cascade,
  entities jsonb not null check (jsonb_typeof(entities) = 'array'),
  model text not null,
  tokens_used integer not null default 0 check (tokens_used >= 0),
  job_id uuid,
  created_at timestamptz not null default now(),
  primary key (shell_file_id, page_number)
);

-- AI pass 2: structured clinical items extracted from a page, in a stable order.
create table if not exists public.clinical_extractions (
  id uuid primary key default extensions.gen_random_uuid(),
  shell_file_id uuid not null references public.shell_files (id) on delete cascade,
  page_number integer not null check (page_number >= 1),
  item_index integer not null check (item_index >= 0),
  patient_id uuid not null references public.user_profiles (id) on delete cascade,
  category text not null check (category in (
    'condition', 'medication', 'allergy', 'procedure', 'observation', 'immunization', 'encounter', 'other')),
  label text not null check (length(btrim(label)) between 1 and 500),
  details jsonb not null default '{}'::jsonb check (jsonb_typeof(details) = 'object'),
  confidence numeric(5, 4) check (confidence between 0 and 1),
  model text not null,
  job_id uuid,
  created_at timestamptz not null default now(),
  unique (shell_file_id, page_number, item_index)
);
create index if not exists clinical_extractions_patient_idx on public.clinical_extractions (patient_id, category);

-- AI pass 3: one narrative per document.
create table if not exists public.clinical_narratives (
  id uuid primary key default extensions.gen_random_uuid(),
  shell_file_id uuid not null unique references public.shell_files (id) on delete cascade,
  patient_id uuid not null references public.user_profiles (id) on delete cascade,
  title text not null check (length(btrim(title)) between 1 and 300),
  narrative text not null check (length(btrim(narrative)) > 0),
  model text not null,
  tokens_used integer not null default 0 check (tokens_used >= 0),
  job_id uuid,
  created_at timestamptz not null default now()
);
create index if not exists clinical_narratives_patient_idx on public.clinical_narratives (patient_id);

-- -----------------------------------------------------------------------------
-- RLS: readable through has_profile_access; written by the service role only (the
-- intake function registers uploads, the worker writes results).
-- -----------------------------------------------------------------------------
do $$
declare
  v_table text;
begin
  foreach v_table in array array['shell_files', 'shell_file_pages', 'page_entity_detections',
                                 'clinical_extractions', 'clinical_narratives'] loop
    execute format('alter table public.%I enable row level security', v_table);
    execute format('grant select on public.%I to authenticated', v_table);
    execute format('grant select, insert, update, delete on public.%I to service_role', v_table);
    execute format('drop policy if exists %I on public.%I', v_table || '_select', v_table);
    execute format(
      'create policy %I on public.%I for select to authenticated using (public.has_profile_access(auth.uid(), patient_id))',
      v_table || '_select', v_table);
  end loop;
end
$$;
