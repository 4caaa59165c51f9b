-- Pages counted: page_count when known, else estimated_pages, else 1.
begin;
select plan(3);

select set_config('fix.alice', tests.create_user_with_profile('tsfu_pages_alice')::text, true);
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes, page_count, estimated_pages)
values ('a0000000-0000-4000-8000-0000000000c1', current_setting('fix.alice')::uuid, current_setting('fix.alice') || '/1.pdf', '1.pdf', 'application/pdf', 1, 12, 30),
       ('a0000000-0000-4000-8000-0000000000c2', current_setting('fix.alice')::uuid, current_setting('fix.alice') || '/2.pdf', '2.pdf', 'application/pdf', 1, null, 30),
       ('a0000000-0000-4000-8000-0000000000c3', current_setting('fix.alice')::uuid, current_setting('fix.alice') || '/3.pdf', '3.pdf', 'application/pdf', 1, null, null);

select tests.authenticate_as_service_role();
select is((public.track_shell_file_upload_usage(current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-0000000000c1') #>> '{usage,total_pages_processed}')::int,
  12, 'page_count (12) when known');
select is((public.track_shell_file_upload_usage(current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-0000000000c2') #>> '{usage,total_pages_processed}')::int,
  12 + 30, 'estimated_pages (30) when page_count is unknown');
select is((public.track_shell_file_upload_usage(current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-0000000000c3') #>> '{usage,total_pages_processed}')::int,
  12 + 30 + 1, '1 when neither is known');
select tests.clear_authentication();

select * from finish();
rollback;
