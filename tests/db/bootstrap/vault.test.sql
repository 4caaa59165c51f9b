-- The local Vault stand-in (sql/local/05_vault.sql), as hosted Vault behaves for this
-- project: create_secret / update_secret, the secret stored encrypted, decrypted_secrets
-- for postgres only; the API roles get nothing.
begin;
select plan(14);

select vault.create_secret('s3cr3t-value', 'vault_test_secret', 'for the test') as sid \gset

select results_eq($$select name, description, decrypted_secret from vault.decrypted_secrets where name = 'vault_test_secret'$$,
  $$values ('vault_test_secret'::text, 'for the test'::text, 's3cr3t-value'::text)$$, 'decrypted_secrets gives the secret back');
select ok((select secret <> 's3cr3t-value' and position('s3cr3t' in secret) = 0 from vault.secrets where id = :'sid'),
  'vault.secrets stores ciphertext, not the secret');
select has_column('vault', 'decrypted_secrets', 'secret', 'the view also has the encrypted column, as hosted');
select vault.create_secret('x', 'vault_test_nodesc') as nodesc \gset
select is((select description from vault.secrets where id = :'nodesc'), '', 'the description defaults to an empty string');

select vault.update_secret(:'sid', 'new-value');
select results_eq($$select name, description, decrypted_secret from vault.decrypted_secrets where name = 'vault_test_secret'$$,
  $$values ('vault_test_secret'::text, 'for the test'::text, 'new-value'::text)$$, 'update_secret: a new value, name and description kept');
select vault.update_secret(:'sid', new_name => 'vault_test_renamed', new_description => 'renamed');
select results_eq(format($$select name, description, decrypted_secret from vault.decrypted_secrets where id = %L$$, :'sid'),
  $$values ('vault_test_renamed'::text, 'renamed'::text, 'new-value'::text)$$, 'update_secret: a new name and description, value kept');
select throws_ok($$select vault.create_secret('y', 'vault_test_renamed')$$, '23505', null, 'names are unique');

-- PRIVILEGES
select ok(not has_schema_privilege('anon', 'vault', 'usage') and not has_schema_privilege('authenticated', 'vault', 'usage')
          and not has_schema_privilege('service_role', 'vault', 'usage'), 'the API roles have no USAGE on vault');
select ok(not has_table_privilege('anon', 'vault.decrypted_secrets', 'select')
          and not has_table_privilege('authenticated', 'vault.decrypted_secrets', 'select')
          and not has_table_privilege('service_role', 'vault.decrypted_secrets', 'select'), 'nor SELECT on decrypted_secrets');
select ok(not has_function_privilege('service_role', 'vault.create_secret(text, text, text)', 'execute')
          and not has_function_privilege('authenticated', 'vault.create_secret(text, text, text)', 'execute')
          and not has_function_privilege('anon', 'vault.update_secret(uuid, text, text, text)', 'execute')
          and not has_function_privilege('public', 'vault.create_secret(text, text, text)', 'execute'), 'nor EXECUTE on create/update');
select ok(has_table_privilege('postgres', 'vault.decrypted_secrets', 'select')
          and has_function_privilege('postgres', 'vault.create_secret(text, text, text)', 'execute')
          and has_function_privilege('postgres', 'vault.update_secret(uuid, text, text, text)', 'execute'), 'postgres may read and write secrets');
select throws_ok('select key from vault._local_key', '42501', 'permission denied for table _local_key', 'postgres cannot read the key');
select tests.authenticate_as_service_role();
select throws_ok('select decrypted_secret from vault.decrypted_secrets', '42501', 'permission denied for schema vault', 'service_role: refused');
select tests.clear_authentication();
select tests.authenticate_as('vault_nobody_' || 'x') from (select tests.create_supabase_user('vault_nobody_x')) u;
select throws_ok($$select vault.create_secret('z', 'z')$$, '42501', 'permission denied for schema vault', 'authenticated: refused');
select tests.clear_authentication();

select * from finish();
rollback;
