-- 20261122001100_hardening: which columns a signed-in user may write. RLS decides which ROWS
-- (tests/db/rls/); these privileges decide which COLUMNS: never a row's id (a duplicate-key
-- error would tell whether a guessed id is someone's profile), never who granted access (the
-- database records the granting user: profile_access_grants.granted_by defaults to auth.uid()).
begin;
select plan(12);

select tests.create_user_with_profile('cols_alice') as alice \gset
select tests.create_user_with_profile('cols_bob') as bob \gset
select tests.get_supabase_uid('cols_alice') as alice_uid \gset
select tests.get_supabase_uid('cols_bob') as bob_uid \gset
select tests.create_supabase_user('cols_carer') as carer_uid \gset

select tests.authenticate_as('cols_alice');
-- PROFILES
select throws_ok(format($$insert into public.user_profiles (id, account_owner_id, profile_type, display_name) values (%L, auth.uid(), 'pet', 'x')$$, :'bob'),
  '42501', 'permission denied for table user_profiles', 'a profile under bob''s profile id: no privilege on id (not a duplicate-key answer)');
select throws_ok(format($$insert into public.user_profiles (id, account_owner_id, profile_type, display_name) values (%L, auth.uid(), 'pet', 'x')$$, extensions.gen_random_uuid()),
  '42501', 'permission denied for table user_profiles', 'a made-up id: the same answer');
select lives_ok($$insert into public.user_profiles (account_owner_id, profile_type, display_name) values (auth.uid(), 'pet', 'Rex')$$,
  'a profile without an id: created (the database picks the id)');
select throws_ok(format($$update public.user_profiles set id = %L where id = %L$$, :'bob', :'alice'),
  '42501', 'permission denied for table user_profiles', 'her own profile''s id cannot be changed (to bob''s or any)');
select lives_ok(format($$update public.user_profiles set display_name = 'Alice', date_of_birth = '1990-01-01', archived = false, updated_at = now() where id = %L$$, :'alice'),
  'renaming and the other profile fields: allowed');
-- GRANTS
select throws_ok(format($$insert into public.profile_access_grants (profile_id, grantee_id, access_level, granted_by) values (%L, %L, 'read', %L)$$, :'alice', :'carer_uid', :'bob_uid'),
  '42501', 'permission denied for table profile_access_grants', 'a grant claiming bob granted it');
select throws_ok(format($$insert into public.profile_access_grants (id, profile_id, grantee_id, access_level) values (extensions.gen_random_uuid(), %L, %L, 'read')$$, :'alice', :'carer_uid'),
  '42501', 'permission denied for table profile_access_grants', 'a grant with a chosen id');
select lives_ok(format($$insert into public.profile_access_grants (profile_id, grantee_id, access_level, expires_at) values (%L, %L, 'read', now() + interval '1 day')$$, :'alice', :'carer_uid'),
  'a grant of her profile: created');
select throws_ok(format($$update public.profile_access_grants set granted_by = %L where profile_id = %L$$, :'bob_uid', :'alice'),
  '42501', 'permission denied for table profile_access_grants', 'granted_by cannot be changed afterwards');
select lives_ok(format($$update public.profile_access_grants set access_level = 'full', expires_at = null, revoked_at = now() where profile_id = %L$$, :'alice'),
  'upgrading, extending and revoking her grant: allowed');
select tests.clear_authentication();

select is((select granted_by from public.profile_access_grants where profile_id = :'alice' and grantee_id = :'carer_uid'),
  :'alice_uid'::uuid, 'the database recorded alice as the grantor');
select tests.authenticate_as_service_role();
insert into public.profile_access_grants (profile_id, grantee_id, access_level) values (:'bob', :'carer_uid', 'read');
select tests.clear_authentication();
select is((select granted_by from public.profile_access_grants where profile_id = :'bob' and grantee_id = :'carer_uid'),
  null, 'a grant made by the service role records no grantor');

select * from finish();
rollback;
