-- A null id: 22023. An unknown id: P0002 "shell file not found".
begin;
select plan(2);

select tests.authenticate_as_service_role();
select throws_ok($$select public.get_processing_status(null)$$, '22023', 'get_processing_status: p_shell_file_id must not be null', 'null id');
select throws_ok($$select public.get_processing_status('00000000-0000-4000-8000-0000000a0fff')$$, 'P0002',
  'get_processing_status: shell file not found', 'unknown id');
select tests.clear_authentication();

select * from finish();
rollback;
