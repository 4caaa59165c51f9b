-- RLS on public.user_profiles: an account owner reads and writes the profiles they own;
-- a grantee reads the profile granted (active grants only) and writes nothing; a stranger
-- sees and changes nothing; nobody creates a profile owned by someone else; anon reads nothing.
begin;
select plan(19);

select set_config('fix.alice', tests.create_user_with_profile('rls_up_alice')::text, true);
select set_config('fix.alice_child', tests.create_user_with_profile('rls_up_alice', 'child')::text, true);
select set_config('fix.bob', tests.create_user_with_profile('rls_up_bob')::text, true);
select set_config('fix.bob_uid', tests.get_supabase_uid('rls_up_bob')::text, true);
select tests.create_supabase_user('rls_up_carer');
select tests.create_supabase_user('rls_up_former');
insert into public.profile_access_grants (profile_id, grantee_id, access_level, revoked_at)
values (current_setting('fix.alice_child')::uuid, tests.get_supabase_uid('rls_up_carer'), 'full', null),
       (current_setting('fix.alice_child')::uuid, tests.get_supabase_uid('rls_up_former'), 'full', now());

select ok((select relrowsecurity from pg_class where oid = 'public.user_profiles'::regclass), 'RLS is enabled on user_profiles');
select policies_are('public', 'user_profiles',
  array['user_profiles_select', 'user_profiles_insert_own', 'user_profiles_update_own', 'user_profiles_delete_own'],
  'select through has_profile_access; writes by the owner only');

-- ALICE, the owner
select tests.authenticate_as('rls_up_alice');
select results_eq(
  $$select id from public.user_profiles where id in (current_setting('fix.alice')::uuid, current_setting('fix.alice_child')::uuid, current_setting('fix.bob')::uuid) order by id$$,
  $$select unnest(array[current_setting('fix.alice')::uuid, current_setting('fix.alice_child')::uuid]) order by 1$$,
  'alice reads her two profiles, not bob''s');
select lives_ok($$update public.user_profiles set display_name = 'Alice renamed' where id = current_setting('fix.alice')::uuid$$,
  'alice updates her own profile');
select lives_ok($$insert into public.user_profiles (account_owner_id, profile_type, display_name) values (auth.uid(), 'pet', 'Rex')$$,
  'alice creates a profile she owns');
select throws_ok(format($$insert into public.user_profiles (account_owner_id, profile_type, display_name) values (%L, 'pet', 'planted')$$, current_setting('fix.bob_uid')),
  '42501', 'new row violates row-level security policy for table "user_profiles"', 'alice cannot create a profile owned by bob');
select throws_ok(format($$update public.user_profiles set account_owner_id = %L where id = current_setting('fix.alice_child')::uuid$$, current_setting('fix.bob_uid')),
  '42501', 'new row violates row-level security policy for table "user_profiles"', 'nor hand one of hers over to bob');
select is_empty($$update public.user_profiles set display_name = 'hijacked' where id = current_setting('fix.bob')::uuid returning id$$,
  'updating bob''s profile touches no row');
select is_empty($$delete from public.user_profiles where id = current_setting('fix.bob')::uuid returning id$$,
  'deleting bob''s profile touches no row');
select tests.clear_authentication();

-- THE CARER: reads the granted profile only, writes nothing
select tests.authenticate_as('rls_up_carer');
select results_eq(
  $$select id from public.user_profiles where id in (current_setting('fix.alice')::uuid, current_setting('fix.alice_child')::uuid, current_setting('fix.bob')::uuid)$$,
  $$values (current_setting('fix.alice_child')::uuid)$$,
  'a carer reads the granted child profile only');
select is_empty($$update public.user_profiles set display_name = 'carer edit' where id = current_setting('fix.alice_child')::uuid returning id$$,
  'even a full grant does not let the carer edit the profile row (owner only)');
select is_empty($$delete from public.user_profiles where id = current_setting('fix.alice_child')::uuid returning id$$,
  'nor delete it');
select tests.clear_authentication();

select tests.authenticate_as('rls_up_former');
select is_empty($$select 1 from public.user_profiles where id = current_setting('fix.alice_child')::uuid$$,
  'a revoked grant reads nothing');
select tests.clear_authentication();

-- BOB, a stranger
select tests.authenticate_as('rls_up_bob');
select is_empty($$select 1 from public.user_profiles where id in (current_setting('fix.alice')::uuid, current_setting('fix.alice_child')::uuid)$$,
  'bob reads none of alice''s profiles');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select * from public.user_profiles$$, '42501', 'permission denied for table user_profiles', 'anon cannot read user_profiles');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is((select count(*) from public.user_profiles where id in (current_setting('fix.alice')::uuid, current_setting('fix.alice_child')::uuid, current_setting('fix.bob')::uuid)),
  3::bigint, 'the service role reads every profile');
select tests.clear_authentication();

-- After all that: bob's profile intact, alice's edits applied, the refused ones not.
select is((select display_name from public.user_profiles where id = current_setting('fix.bob')::uuid), 'rls_up_bob self', 'bob''s profile unchanged');
select is((select display_name from public.user_profiles where id = current_setting('fix.alice_child')::uuid), 'rls_up_alice child', 'the child profile unchanged by the carer');
select is((select count(*) from public.user_profiles where account_owner_id = current_setting('fix.bob_uid')::uuid), 1::bigint,
  'no profile was planted on bob');

select * from finish();
rollback;
