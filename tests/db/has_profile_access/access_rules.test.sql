-- has_profile_access(user, profile): the owner, or a holder of an unrevoked, unexpired
-- grant (any access level). Not a stranger, not a revoked or expired grant, not a grant
-- to another profile of the same owner; false (never null) for nulls and unknown ids.
begin;
select plan(16);

select set_config('fix.self', tests.create_user_with_profile('hpa_owner')::text, true);
select set_config('fix.child', tests.create_user_with_profile('hpa_owner', 'child')::text, true);
select set_config('fix.other', tests.create_user_with_profile('hpa_stranger')::text, true);
select tests.create_supabase_user('hpa_carer');
select tests.create_supabase_user('hpa_revoked');
select tests.create_supabase_user('hpa_expired');
select tests.create_supabase_user('hpa_future');
insert into public.profile_access_grants (profile_id, grantee_id, access_level, revoked_at, expires_at) values
  (current_setting('fix.child')::uuid, tests.get_supabase_uid('hpa_carer'), 'read', null, null),
  (current_setting('fix.child')::uuid, tests.get_supabase_uid('hpa_revoked'), 'full', now(), null),
  (current_setting('fix.child')::uuid, tests.get_supabase_uid('hpa_expired'), 'full', null, now()),
  (current_setting('fix.child')::uuid, tests.get_supabase_uid('hpa_future'), 'write', null, now() + interval '1 second');

select ok(public.has_profile_access(tests.get_supabase_uid('hpa_owner'), current_setting('fix.self')::uuid), 'owner: own self profile');
select ok(public.has_profile_access(tests.get_supabase_uid('hpa_owner'), current_setting('fix.child')::uuid), 'owner: a child profile they manage');
select ok(not public.has_profile_access(tests.get_supabase_uid('hpa_owner'), current_setting('fix.other')::uuid), 'owner: not a stranger''s profile');
select ok(not public.has_profile_access(tests.get_supabase_uid('hpa_stranger'), current_setting('fix.child')::uuid), 'stranger: no access');
select ok(public.has_profile_access(tests.get_supabase_uid('hpa_carer'), current_setting('fix.child')::uuid), 'active grant (read, no expiry): access');
select ok(not public.has_profile_access(tests.get_supabase_uid('hpa_carer'), current_setting('fix.self')::uuid),
  'a grant to the child gives nothing on the owner''s other profile');
select ok(not public.has_profile_access(tests.get_supabase_uid('hpa_revoked'), current_setting('fix.child')::uuid), 'revoked grant: no access');
select ok(not public.has_profile_access(tests.get_supabase_uid('hpa_expired'), current_setting('fix.child')::uuid),
  'grant expiring exactly now: no access (expires_at is exclusive)');
select ok(public.has_profile_access(tests.get_supabase_uid('hpa_future'), current_setting('fix.child')::uuid), 'grant expiring later: access');

update public.profile_access_grants set expires_at = now() - interval '1 microsecond'
 where grantee_id = tests.get_supabase_uid('hpa_future');
select ok(not public.has_profile_access(tests.get_supabase_uid('hpa_future'), current_setting('fix.child')::uuid), 'once expired: no access');

select is(public.has_profile_access(null, current_setting('fix.self')::uuid), false, 'null user: false, not null');
select is(public.has_profile_access(tests.get_supabase_uid('hpa_owner'), null), false, 'null profile: false, not null');
select is(public.has_profile_access(null, null), false, 'both null: false');
select is(public.has_profile_access(tests.get_supabase_uid('hpa_owner'), extensions.gen_random_uuid()), false, 'unknown profile: false');
select is(public.has_profile_access(extensions.gen_random_uuid(), current_setting('fix.self')::uuid), false, 'unknown user: false');

-- Archived profiles keep their owner's access (archiving is not deletion).
update public.user_profiles set archived = true where id = current_setting('fix.self')::uuid;
select ok(public.has_profile_access(tests.get_supabase_uid('hpa_owner'), current_setting('fix.self')::uuid), 'an archived profile is still its owner''s');

select * from finish();
rollback;
