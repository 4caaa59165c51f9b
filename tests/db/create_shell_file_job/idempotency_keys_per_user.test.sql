-- 20261122001100_hardening: an idempotency key is the submitting user's own (unique on
-- uploaded_by, idempotency_key). Bob sending the key alice used neither replays nor is refused
-- (a refusal would tell him alice submitted something under it, and block alice when he got
-- there first): it is his own new upload. Someone else with access to the profile sending the
-- same path under the same key still gets the replay; under another key, "already submitted".
begin;
select plan(9);

select tests.create_user_with_profile('csfj_keys_alice') as alice \gset
select tests.create_user_with_profile('csfj_keys_bob') as bob \gset
select tests.get_supabase_uid('csfj_keys_alice') as alice_uid \gset
select tests.get_supabase_uid('csfj_keys_bob') as bob_uid \gset
select tests.create_supabase_user('csfj_keys_carer') as carer_uid \gset
insert into public.profile_access_grants (profile_id, grantee_id, access_level) values (:'alice', :'carer_uid', 'write');

create temp table answers (n integer, shell_file_id uuid, job_id uuid, status text, created boolean);
grant insert on answers to service_role;
create function pg_temp.call(p_user text, p_profile text, p_name text, p_key text) returns text language sql as $$
  select format('select * from public.create_shell_file_job(%L, %L, %L, null, ''application/pdf'', 100, 1, %L, 10)',
                p_user, p_profile, p_profile || '/' || p_name, p_key)
$$;
grant execute on function pg_temp.call(text, text, text, text) to service_role;

select tests.authenticate_as_service_role();
insert into answers select 1, * from public.create_shell_file_job(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 100, 1, 'csfj-keys-shared', 10);
insert into answers select 2, * from public.create_shell_file_job(:'bob_uid', :'bob', :'bob' || '/b.pdf', null, 'application/pdf', 100, 1, 'csfj-keys-shared', 10);
insert into answers select 3, * from public.create_shell_file_job(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 100, 1, 'csfj-keys-shared', 10);
insert into answers select 4, * from public.create_shell_file_job(:'bob_uid', :'bob', :'bob' || '/b.pdf', null, 'application/pdf', 100, 1, 'csfj-keys-shared', 10);
insert into answers select 5, * from public.create_shell_file_job(:'carer_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 100, 1, 'csfj-keys-shared', 10);
select throws_ok(pg_temp.call(:'carer_uid', :'alice', 'a.pdf', 'csfj-keys-carer'),
  '22023', 'create_shell_file_job: p_storage_path was already submitted with another idempotency_key',
  'the carer, alice''s path under another key: already submitted');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', 'other.pdf', 'csfj-keys-shared'),
  '22023', 'create_shell_file_job: idempotency_key was already used for a different upload',
  'alice''s own key for another path: still a conflict');
select tests.clear_authentication();

select ok((select created from answers where n = 1) and (select created from answers where n = 2),
  'alice''s key, sent by bob for his own file: created, not refused');
select isnt((select shell_file_id from answers where n = 2), (select shell_file_id from answers where n = 1),
  'bob''s is a file of his own');
select is((select (shell_file_id, job_id, created)::text from answers where n = 3),
          (select (shell_file_id, job_id, false)::text from answers where n = 1), 'alice''s replay finds hers');
select is((select (shell_file_id, job_id, created)::text from answers where n = 4),
          (select (shell_file_id, job_id, false)::text from answers where n = 2), 'bob''s replay finds his');
select is((select (shell_file_id, job_id, created)::text from answers where n = 5),
          (select (shell_file_id, job_id, false)::text from answers where n = 1),
  'the carer sending alice''s path under the same key: the replay of alice''s upload');
select is((select array_agg(uploaded_by::text order by created_at) from public.shell_files where idempotency_key = 'csfj-keys-shared'),
  array[:'alice_uid', :'bob_uid'], 'two shell files under the key, one per user');
select is((select pg_get_constraintdef(c.oid) from pg_constraint c
            where c.conrelid = 'public.shell_files'::regclass and c.conname = 'shell_files_idempotency_key_key'),
  'UNIQUE (uploaded_by, idempotency_key)', 'the key is unique per submitting user');

select * from finish();
rollback;
