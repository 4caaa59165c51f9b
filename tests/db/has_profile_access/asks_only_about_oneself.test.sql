-- Hardening (issue 5; has_profile_access in 20261122000200_profiles): a signed-in caller (JWT role authenticated or anon) gets an
-- answer about itself only; about anyone else the answer is false, so user A cannot learn who
-- owns or was granted B's profile. The service role and sessions without claims (migrations,
-- pg_cron, the SQL editor) ask about anyone; RLS, which asks about auth.uid(), is unchanged.
begin;
select plan(13);

select tests.create_user_with_profile('hpa_self_alice') as alice \gset
select tests.create_user_with_profile('hpa_self_bob') as bob \gset
select tests.create_supabase_user('hpa_self_carer') as carer_uid \gset
select tests.get_supabase_uid('hpa_self_alice') as alice_uid \gset
select tests.get_supabase_uid('hpa_self_bob') as bob_uid \gset
insert into public.profile_access_grants (profile_id, grantee_id, access_level) values (:'bob', :'carer_uid', 'read');
create temp table answers (who text, q text, a boolean);
grant insert on answers to authenticated, service_role, anon;

-- No claims (postgres): about anyone.
select ok(public.has_profile_access(:'bob_uid', :'bob') and public.has_profile_access(:'carer_uid', :'bob'),
  'without claims: the owner and the grantee have access to bob''s profile');

select tests.authenticate_as('hpa_self_alice');
insert into answers values
  ('alice', 'alice about her profile', public.has_profile_access(:'alice_uid', :'alice')),
  ('alice', 'alice about bob''s profile', public.has_profile_access(:'alice_uid', :'bob')),
  ('alice', 'bob about his profile', public.has_profile_access(:'bob_uid', :'bob')),
  ('alice', 'the carer about bob''s profile', public.has_profile_access(:'carer_uid', :'bob')),
  ('alice', 'bob about alice''s profile', public.has_profile_access(:'bob_uid', :'alice'));
select tests.clear_authentication();
select is((select a from answers where who = 'alice' and q = 'alice about her profile'), true, 'alice: about herself, the truth (own profile)');
select is((select a from answers where who = 'alice' and q = 'alice about bob''s profile'), false, 'alice: about herself, the truth (not bob''s)');
select is((select a from answers where who = 'alice' and q = 'bob about his profile'), false, 'alice asking whether bob owns his profile: false');
select is((select a from answers where who = 'alice' and q = 'the carer about bob''s profile'), false, 'alice asking whether the carer was granted bob''s profile: false');
select is((select a from answers where who = 'alice' and q = 'bob about alice''s profile'), false, 'alice asking about bob and her own profile: false');

select tests.authenticate_as('hpa_self_carer');
select is(public.has_profile_access(auth.uid(), :'bob'), true, 'the carer about itself: the grant counts');
select tests.clear_authentication();

-- A request with role anon (claims only; anon has no EXECUTE): no answer about anyone.
select set_config('request.jwt.claims', '{"role": "anon"}', true);
select is(public.has_profile_access(:'bob_uid', :'bob'), false, 'anon claims: false, even about the owner');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is(public.has_profile_access(:'bob_uid', :'bob') and public.has_profile_access(:'carer_uid', :'bob'), true,
  'service_role: about anyone (the intake and the audit logger ask about the user they verified)');
select tests.clear_authentication();

-- RLS asks about auth.uid(): unchanged.
select tests.authenticate_as('hpa_self_carer');
select results_eq($$select id from public.user_profiles order by id$$, format($$values (%L::uuid)$$, :'bob'),
  'the carer reads bob''s profile through the grant');
select tests.clear_authentication();
select tests.authenticate_as('hpa_self_alice');
select results_eq($$select id from public.user_profiles order by id$$, format($$values (%L::uuid)$$, :'alice'),
  'alice reads her own profile only');
select tests.clear_authentication();

select is((select proconfig from pg_proc where oid = 'public.has_profile_access(uuid, uuid)'::regprocedure), array['search_path=pg_catalog, pg_temp'],
  'search_path still pinned');
select is((select string_agg(r, ',' order by r) from unnest(array['anon', 'authenticated', 'service_role']) r
            where has_function_privilege(r, 'public.has_profile_access(uuid, uuid)', 'execute')),
  'authenticated,service_role', 'still executable by authenticated and service_role only');

select * from finish();
rollback;
