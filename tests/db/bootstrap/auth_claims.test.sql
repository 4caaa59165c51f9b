-- auth.uid(), auth.role(), auth.jwt() read the claims PostgREST puts in request.jwt.claims.
begin;
select plan(7);

select is(auth.uid(), null, 'no claims: no user');
select is(auth.role(), null, 'no claims: no role');

select set_config('request.jwt.claims',
  '{"sub": "6f1d2a50-8f1e-4a43-9c55-0d8a0b7f9e11", "role": "authenticated", "email": "a@example.test"}', true);
select is(auth.uid(), '6f1d2a50-8f1e-4a43-9c55-0d8a0b7f9e11'::uuid, 'uid from sub');
select is(auth.role(), 'authenticated', 'role from role');
select is(auth.email(), 'a@example.test', 'email from email');
select is(auth.jwt() ->> 'role', 'authenticated', 'jwt() is the whole claims object');

set local role anon;
select is(auth.uid(), '6f1d2a50-8f1e-4a43-9c55-0d8a0b7f9e11'::uuid, 'anon may call auth.uid()');

select * from finish();
rollback;
