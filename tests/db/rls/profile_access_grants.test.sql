-- RLS on public.profile_access_grants: a profile's owner reads and manages its grants; a
-- grantee reads the grants made to them and changes none; a stranger sees none and cannot
-- grant themselves (or anyone) access to someone else's profile; anon reads nothing.
begin;
select plan(15);

select set_config('fix.alice', tests.create_user_with_profile('rls_pag_alice')::text, true);
select set_config('fix.bob', tests.create_user_with_profile('rls_pag_bob')::text, true);
select set_config('fix.carer_uid', tests.create_supabase_user('rls_pag_carer')::text, true);
select set_config('fix.mallory_uid', tests.create_supabase_user('rls_pag_mallory')::text, true);
insert into public.profile_access_grants (profile_id, grantee_id, access_level)
values (current_setting('fix.alice')::uuid, current_setting('fix.carer_uid')::uuid, 'full'),
       (current_setting('fix.bob')::uuid, current_setting('fix.carer_uid')::uuid, 'read');

select ok((select relrowsecurity from pg_class where oid = 'public.profile_access_grants'::regclass), 'RLS is enabled on profile_access_grants');
select policies_are('public', 'profile_access_grants', array['profile_access_grants_select', 'profile_access_grants_owner_writes'],
  'grantees read theirs; owners manage their profiles''');

-- ALICE, owner of her profile
select tests.authenticate_as('rls_pag_alice');
select results_eq(
  $$select profile_id from public.profile_access_grants where grantee_id = current_setting('fix.carer_uid')::uuid$$,
  $$values (current_setting('fix.alice')::uuid)$$,
  'alice sees the grant on her profile, not the one on bob''s');
select lives_ok(format($$insert into public.profile_access_grants (profile_id, grantee_id, access_level) values (%L, %L, 'read')$$,
    current_setting('fix.alice'), current_setting('fix.mallory_uid')),
  'alice grants access to her own profile');
select lives_ok($$update public.profile_access_grants set revoked_at = now() where profile_id = current_setting('fix.alice')::uuid and grantee_id = current_setting('fix.mallory_uid')::uuid$$,
  'and revokes it');
select throws_ok(format($$insert into public.profile_access_grants (profile_id, grantee_id, access_level) values (%L, %L, 'full')$$,
    current_setting('fix.bob'), current_setting('fix.mallory_uid')),
  '42501', 'new row violates row-level security policy for table "profile_access_grants"', 'alice cannot grant access to bob''s profile');
select is_empty($$update public.profile_access_grants set revoked_at = now() where profile_id = current_setting('fix.bob')::uuid returning id$$,
  'nor revoke bob''s grants');
select tests.clear_authentication();

-- THE CARER (grantee): reads their grants, changes none, cannot extend them
select tests.authenticate_as('rls_pag_carer');
select is((select count(*) from public.profile_access_grants where grantee_id = auth.uid()), 2::bigint, 'the carer reads the two grants made to them');
select is_empty($$update public.profile_access_grants set expires_at = null, access_level = 'full' where grantee_id = auth.uid() returning id$$,
  'a grantee cannot upgrade or extend their own grants');
select throws_ok(format($$insert into public.profile_access_grants (profile_id, grantee_id, access_level) values (%L, %L, 'full')$$,
    current_setting('fix.alice'), current_setting('fix.mallory_uid')),
  '42501', 'new row violates row-level security policy for table "profile_access_grants"', 'even a full grant does not let the carer grant others');
select tests.clear_authentication();

-- MALLORY, a stranger
select tests.authenticate_as('rls_pag_mallory');
select throws_ok(format($$insert into public.profile_access_grants (profile_id, grantee_id, access_level) values (%L, %L, 'full')$$,
    current_setting('fix.bob'), current_setting('fix.mallory_uid')),
  '42501', 'new row violates row-level security policy for table "profile_access_grants"', 'a stranger cannot grant themselves access');
select is_empty($$select 1 from public.profile_access_grants where profile_id = current_setting('fix.bob')::uuid$$,
  'a stranger sees no grant on bob''s profile');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select * from public.profile_access_grants$$, '42501', 'permission denied for table profile_access_grants', 'anon cannot read grants');
select tests.clear_authentication();

-- Outcome: no grant for mallory on bob's profile; the carer's grants unchanged.
select is((select count(*) from public.profile_access_grants where grantee_id = current_setting('fix.mallory_uid')::uuid and revoked_at is null), 0::bigint,
  'mallory holds no active grant');
select results_eq(
  $$select access_level, expires_at, revoked_at from public.profile_access_grants where grantee_id = current_setting('fix.carer_uid')::uuid order by access_level$$,
  $$values ('full'::text, null::timestamptz, null::timestamptz), ('read'::text, null::timestamptz, null::timestamptz)$$,
  'the carer''s grants are as they were');

select * from finish();
rollback;
