-- The medical-docs bucket and its policies on storage.objects, as a user meets them (the
-- Storage service runs each request as the caller's role). A user may upload, read and
-- delete objects in the folder of a profile they can access; another profile's folder is
-- refused with RLS's own wording, and so is a name whose folder is not a profile id.
begin;
select plan(17);

select tests.create_user_with_profile('sto_alice') as alice \gset
select tests.create_user_with_profile('sto_bob') as bob \gset
select tests.create_supabase_user('sto_carer');
insert into public.profile_access_grants (profile_id, grantee_id, access_level)
values (:'alice', tests.get_supabase_uid('sto_carer'), 'write');
insert into storage.objects (bucket_id, name) values ('medical-docs', :'bob' || '/bob.pdf');

-- THE BUCKET
select results_eq($$select public, file_size_limit, allowed_mime_types from storage.buckets where id = 'medical-docs'$$,
  $$values (false, 52428800::bigint, array['application/pdf', 'image/png', 'image/jpeg', 'image/tiff'])$$,
  'private, 50 MiB, pdf/png/jpeg/tiff');
select ok((select array_agg(policyname::text order by policyname) from pg_policies
            where schemaname = 'storage' and tablename = 'objects' and policyname like 'medical_docs_%')
          = array['medical_docs_delete', 'medical_docs_insert', 'medical_docs_select'], 'insert, select and delete policies; no update');

-- ALICE
select tests.authenticate_as('sto_alice');
select lives_ok(format($$insert into storage.objects (bucket_id, name) values ('medical-docs', %L)$$, :'alice' || '/scan 1.pdf'),
  'alice uploads into her profile''s folder');
select lives_ok(format($$insert into storage.objects (bucket_id, name) values ('medical-docs', %L)$$, :'alice' || '/2024/03/lab.png'),
  'and into a subfolder of it');
select throws_ok(format($$insert into storage.objects (bucket_id, name) values ('medical-docs', %L)$$, :'bob' || '/forged.pdf'),
  '42501', 'new row violates row-level security policy for table "objects"', 'bob''s folder: refused by RLS');
select throws_ok($$insert into storage.objects (bucket_id, name) values ('medical-docs', 'loose.pdf')$$,
  '42501', 'new row violates row-level security policy for table "objects"', 'no folder: refused');
select throws_ok($$insert into storage.objects (bucket_id, name) values ('medical-docs', 'not-a-uuid/a.pdf')$$,
  '42501', 'new row violates row-level security policy for table "objects"', 'a folder that is not a profile id: refused (no cast error)');
select results_eq($$select name from storage.objects where bucket_id = 'medical-docs' order by name$$,
  format($$values (%L::text), (%L::text)$$, :'alice' || '/2024/03/lab.png', :'alice' || '/scan 1.pdf'),
  'alice reads her objects and not bob''s');
select is_empty(format($$delete from storage.objects where name = %L returning 1$$, :'bob' || '/bob.pdf'), 'alice cannot delete bob''s object');
select is_empty(format($$update storage.objects set name = name || '.x' where name = %L returning 1$$, :'alice' || '/scan 1.pdf'),
  'no update policy: not even her own object is replaced');
select isnt_empty(format($$delete from storage.objects where name = %L returning 1$$, :'alice' || '/scan 1.pdf'), 'alice deletes her own object');
select tests.clear_authentication();

-- A CARER with an active grant to alice's profile.
select tests.authenticate_as('sto_carer');
select lives_ok(format($$insert into storage.objects (bucket_id, name) values ('medical-docs', %L)$$, :'alice' || '/from-carer.pdf'),
  'a carer uploads into the profile they were granted');
select is((select count(*)::integer from storage.objects where bucket_id = 'medical-docs'), 2, 'and reads its objects only');
select tests.clear_authentication();

-- BOB and ANON
select tests.authenticate_as('sto_bob');
select is((select count(*)::integer from storage.objects where bucket_id = 'medical-docs'), 1, 'bob sees only his object');
select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok(format($$insert into storage.objects (bucket_id, name) values ('medical-docs', %L)$$, :'alice' || '/anon.pdf'),
  '42501', 'new row violates row-level security policy for table "objects"', 'anon: refused');
select is_empty($$select 1 from storage.objects where bucket_id = 'medical-docs'$$, 'anon reads nothing');
select tests.clear_authentication();

select is((select count(*)::integer from storage.objects where name = :'bob' || '/bob.pdf'), 1, 'bob''s object is still there');

select * from finish();
rollback;
