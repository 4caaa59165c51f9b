// The Storage stand-in through the gateway, called the way an app calls it (supabase-js), with
// storage policies written the way a project's migration writes them. Every refusal is
// checked on both sides: the client sees an error, and neither a row nor a file was left.
// Each test makes its own bucket, policies and users, and removes them at the end.

import { assert, assertEquals, assertExists } from "@std/assert";
import type postgres from "postgres";
import { signJwt } from "../../stack/jwt.ts";
import { client, createUser, sqlAsPostgres, testStack, type TestUser } from "../support/stack.ts";

const stack = testStack();
const opts = { sanitizeOps: false, sanitizeResources: false };

interface Fixture {
  sql: postgres.Sql;
  bucket: string;
  alice: TestUser;
  bob: TestUser;
  /** Alice's and Bob's storage clients (anon key + their access token). */
  asAlice: ReturnType<typeof client>["storage"];
  asBob: ReturnType<typeof client>["storage"];
  /** Where the stand-in keeps an object's bytes. */
  file: (name: string) => string;
  rows: (name?: string) => Promise<postgres.Row[]>;
}

interface BucketOptions {
  public?: boolean;
  fileSizeLimit?: number;
  allowedMimeTypes?: string[];
}

/** A bucket with the usual "own folder" policies, as a project's migration would create them. */
async function withBucket(options: BucketOptions, fn: (f: Fixture) => Promise<void>) {
  const sql = sqlAsPostgres();
  const bucket = `st-${crypto.randomUUID().slice(0, 8)}`;
  const own = `bucket_id = '${bucket}' and (storage.foldername(name))[1] = auth.uid()::text`;
  const users: TestUser[] = [];
  try {
    await sql`
      insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
      values (${bucket}, ${bucket}, ${options.public ?? false}, ${options.fileSizeLimit ?? null},
              ${options.allowedMimeTypes ?? null})`;
    await sql.unsafe(`
      create policy "${bucket} insert own" on storage.objects for insert to authenticated with check (${own});
      create policy "${bucket} select own" on storage.objects for select to authenticated using (${own});
      create policy "${bucket} update own" on storage.objects for update to authenticated
        using (${own}) with check (${own});
      create policy "${bucket} delete own" on storage.objects for delete to authenticated using (${own});`);
    const alice = await createUser(sql, "alice");
    const bob = await createUser(sql, "bob");
    users.push(alice, bob);
    await fn({
      sql,
      bucket,
      alice,
      bob,
      asAlice: client(stack.anonKey, alice.token).storage,
      asBob: client(stack.anonKey, bob.token).storage,
      file: (name) => `${stack.config.storageDir}/${bucket}/${name}`,
      rows: async (name) => [
        ...(name === undefined
          ? await sql`select * from storage.objects where bucket_id = ${bucket} order by name`
          : await sql`select * from storage.objects where bucket_id = ${bucket} and name = ${name}`),
      ],
    });
  } finally {
    for (const op of ["insert", "select", "update", "delete"]) {
      await sql.unsafe(`drop policy if exists "${bucket} ${op} own" on storage.objects`);
    }
    await sql`delete from storage.objects where bucket_id = ${bucket}`;
    await sql`delete from storage.buckets where id = ${bucket}`;
    await sql`delete from auth.users where id = any(${users.map((u) => u.id)}::uuid[])`;
    await Deno.remove(`${stack.config.storageDir}/${bucket}`, { recursive: true }).catch(() => {});
    await sql.end();
  }
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/** The stand-in's staging folder: a request that ends leaves nothing there. */
function tempFiles(): string[] {
  try {
    return [...Deno.readDirSync(`${stack.config.storageDir}/.tmp`)].map((e) => e.name);
  } catch {
    return [];
  }
}

/** storage-js errors carry Storage's own status ("403", "404", ...) in statusCode. */
function assertRefused(
  error: { message: string; statusCode?: string } | null,
  statusCode: string,
  messagePart: string,
) {
  if (!error) throw new Error(`expected a ${statusCode} refusal, got success`);
  assertEquals(error.statusCode, statusCode, error.message);
  assert(error.message.includes(messagePart), `"${messagePart}" not in "${error.message}"`);
}

Deno.test(
  "storage: a user uploads into and downloads from their own folder",
  opts,
  () =>
    withBucket({}, async ({ alice, asAlice, bucket, file, rows }) => {
      const name = `${alice.id}/report.pdf`;
      const up = await asAlice.from(bucket).upload(name, "%PDF-1.7 alice", {
        contentType: "application/pdf",
      });
      assertEquals(up.error, null);
      assertEquals(up.data?.fullPath, `${bucket}/${name}`);

      const [row] = await rows(name);
      assertEquals(row.id, up.data?.id);
      assertEquals([row.owner, row.owner_id], [alice.id, alice.id]);
      assertEquals(row.path_tokens, [alice.id, "report.pdf"]);
      assertEquals(row.metadata.size, 14);
      assertEquals(row.metadata.mimetype, "application/pdf");
      assertEquals(row.metadata.cacheControl, "max-age=3600");
      assertEquals(await Deno.readTextFile(file(name)), "%PDF-1.7 alice");

      const down = await asAlice.from(bucket).download(name);
      assertEquals(down.error, null);
      assertEquals(await down.data?.text(), "%PDF-1.7 alice");
      assertEquals(down.data?.type, "application/pdf");

      // A Blob goes as multipart form-data (with an empty field name): same result.
      const blobName = `${alice.id}/notes/today.txt`;
      const blobUp = await asAlice.from(bucket).upload(
        blobName,
        new Blob(["from a blob"], { type: "text/plain" }),
      );
      assertEquals(blobUp.error, null);
      assertEquals(await Deno.readTextFile(file(blobName)), "from a blob");
      assertEquals((await rows(blobName))[0].metadata.mimetype, "text/plain");

      const listed = await asAlice.from(bucket).list(alice.id);
      assertEquals(listed.error, null);
      assertEquals(listed.data?.map((e) => [e.name, e.id === null]), [["notes", true], [
        "report.pdf",
        false,
      ]]);

      const info = await asAlice.from(bucket).info(name);
      assertEquals(info.error, null);
      assertEquals([info.data?.size, info.data?.contentType], [14, "application/pdf"]);
      assertEquals((await asAlice.from(bucket).exists(name)).data, true);
      assertEquals((await asAlice.from(bucket).exists(`${alice.id}/nope.pdf`)).data, false);

      const removed = await asAlice.from(bucket).remove([name]);
      assertEquals(removed.error, null);
      assertEquals(removed.data?.map((o) => o.name), [name]);
      assertEquals(await rows(name), []);
      assertEquals(await exists(file(name)), false);
    }),
);

Deno.test(
  "storage: another user's folder is refused for upload, download, list, remove and signing",
  opts,
  () =>
    withBucket({}, async ({ alice, bob, asAlice, asBob, bucket, file, rows }) => {
      const aliceFile = `${alice.id}/secret.txt`;
      assertEquals((await asAlice.from(bucket).upload(aliceFile, "alice only")).error, null);

      // Upload into Alice's folder: RLS refuses the row, so nothing is stored at all.
      const intruder = `${alice.id}/planted.txt`;
      const up = await asBob.from(bucket).upload(intruder, "bob was here");
      assertRefused(
        up.error,
        "403",
        `new row violates row-level security policy for object "${bucket}/${intruder}"`,
      );
      assertEquals(await rows(intruder), []);
      assertEquals(await exists(file(intruder)), false);

      // Overwriting her file, by upsert or update, is refused and leaves her bytes alone.
      assertRefused(
        (await asBob.from(bucket).upload(aliceFile, "overwritten", { upsert: true })).error,
        "403",
        aliceFile,
      );
      assertRefused(
        (await asBob.from(bucket).update(aliceFile, "overwritten")).error,
        "404",
        aliceFile,
      );
      assertEquals(await Deno.readTextFile(file(aliceFile)), "alice only");

      // Reading: her object does not exist for Bob, as on hosted Storage.
      assertRefused((await asBob.from(bucket).download(aliceFile)).error, "404", aliceFile);
      assertRefused((await asBob.from(bucket).info(aliceFile)).error, "404", aliceFile);
      const listed = await asBob.from(bucket).list(alice.id);
      assertEquals([listed.error, listed.data], [null, []]);
      assertEquals((await asAlice.from(bucket).list(alice.id)).data?.map((e) => e.name), [
        "secret.txt",
      ]);

      // Signing needs SELECT too.
      assertRefused(
        (await asBob.from(bucket).createSignedUrl(aliceFile, 60)).error,
        "404",
        aliceFile,
      );
      const many = await asBob.from(bucket).createSignedUrls([aliceFile], 60);
      assertEquals(many.data?.[0].signedUrl, null);
      assertEquals(
        many.data?.[0].error,
        "Either the object does not exist or you do not have access to it",
      );

      // Removing: nothing Bob may delete, so nothing is deleted.
      const removed = await asBob.from(bucket).remove([aliceFile]);
      assertEquals([removed.error, removed.data], [null, []]);
      assertEquals((await rows(aliceFile)).length, 1);
      assertEquals(await Deno.readTextFile(file(aliceFile)), "alice only");

      // Moving or copying into Bob's own folder needs to see (and, to move, update) her row.
      const bobCopy = `${bob.id}/stolen.txt`;
      assertRefused((await asBob.from(bucket).copy(aliceFile, bobCopy)).error, "404", aliceFile);
      assertRefused((await asBob.from(bucket).move(aliceFile, bobCopy)).error, "404", aliceFile);
      // And Alice cannot move her own file into Bob's folder (UPDATE's WITH CHECK).
      const bobFolder = `${bob.id}/moved.txt`;
      assertRefused(
        (await asAlice.from(bucket).move(aliceFile, bobFolder)).error,
        "403",
        bobFolder,
      );
      assertEquals(await Deno.readTextFile(file(aliceFile)), "alice only");
      assertEquals(await exists(file(bobFolder)), false);
    }),
);

Deno.test(
  "storage: an existing object is replaced only with upsert: true",
  opts,
  () =>
    withBucket({}, async ({ alice, asAlice, bucket, file, rows }) => {
      const name = `${alice.id}/draft.txt`;
      const first = await asAlice.from(bucket).upload(name, "v1");
      assertEquals(first.error, null);

      const again = await asAlice.from(bucket).upload(name, "v2");
      assertRefused(again.error, "409", "already exists");
      assertEquals(await Deno.readTextFile(file(name)), "v1");

      const upserted = await asAlice.from(bucket).upload(name, "v2", { upsert: true });
      assertEquals(upserted.error, null);
      assertEquals(upserted.data?.id, first.data?.id);
      assertEquals(await Deno.readTextFile(file(name)), "v2");
      assertEquals(await (await asAlice.from(bucket).download(name)).data?.text(), "v2");

      const updated = await asAlice.from(bucket).update(name, "version three");
      assertEquals(updated.error, null);
      const all = await rows();
      assertEquals(all.length, 1);
      assertEquals(all[0].metadata.size, "version three".length);
      assertEquals(await Deno.readTextFile(file(name)), "version three");

      // update() of something that is not there is not an upload.
      assertRefused(
        (await asAlice.from(bucket).update(`${alice.id}/missing.txt`, "x")).error,
        "404",
        "missing.txt",
      );
      assertEquals(await exists(file(`${alice.id}/missing.txt`)), false);
    }),
);

Deno.test(
  "storage: the anon key gets nothing, and bad or expired tokens are refused",
  opts,
  () =>
    withBucket({}, async ({ alice, asAlice, bucket, file, rows }) => {
      const name = `${alice.id}/private.txt`;
      assertEquals((await asAlice.from(bucket).upload(name, "private")).error, null);
      const anon = client(stack.anonKey).storage.from(bucket);

      const up = await anon.upload("anon/file.txt", "anon");
      assertRefused(up.error, "403", "row-level security");
      assertEquals(await rows("anon/file.txt"), []);
      assertEquals(await exists(file("anon/file.txt")), false);
      assertRefused((await anon.download(name)).error, "404", name);
      assertEquals((await anon.list(alice.id)).data, []);
      assertRefused((await anon.createSignedUrl(name, 60)).error, "404", name);
      assertEquals((await anon.remove([name])).data, []);
      assertEquals((await rows(name)).length, 1);

      const expired = await signJwt(
        { role: "authenticated", sub: alice.id, exp: Math.floor(Date.now() / 1000) - 10 },
        stack.jwtSecret,
      );
      assertRefused(
        (await client(stack.anonKey, expired).storage.from(bucket).download(name)).error,
        "403",
        "jwt expired",
      );
      const forged = await signJwt(
        { role: "service_role", exp: 4102444800 },
        "not-the-project-secret-not-the-secret",
      );
      assertRefused(
        (await client(stack.anonKey, forged).storage.from(bucket).download(name)).error,
        "403",
        "invalid signature",
      );
    }),
);

Deno.test(
  "storage: service_role can do everything, and only it manages buckets",
  opts,
  () =>
    withBucket({}, async ({ alice, asAlice, bucket, file, sql }) => {
      const admin = client(stack.serviceRoleKey).storage;
      const name = `${alice.id}/by-service.txt`;
      assertEquals((await admin.from(bucket).upload(name, "service")).error, null);
      assertEquals((await admin.from(bucket).upload("anywhere/else.txt", "service")).error, null);
      assertEquals(await (await admin.from(bucket).download(name)).data?.text(), "service");
      assertEquals(await (await asAlice.from(bucket).download(name)).data?.text(), "service"); // in her folder
      assertEquals(
        (await admin.from(bucket).list("")).data?.map((e) => e.name),
        [alice.id, "anywhere"].sort(),
      );
      assertEquals(
        (await admin.from(bucket).move("anywhere/else.txt", "moved/else.txt")).error,
        null,
      );
      assertEquals(await exists(file("anywhere/else.txt")), false);
      assertEquals(await Deno.readTextFile(file("moved/else.txt")), "service");
      assertEquals(
        (await admin.from(bucket).copy("moved/else.txt", "copied/else.txt")).data?.path,
        `${bucket}/copied/else.txt`,
      );
      assertEquals(await Deno.readTextFile(file("copied/else.txt")), "service");
      const signed = await admin.from(bucket).createSignedUrl(name, 60);
      assertEquals(await (await fetch(signed.data!.signedUrl)).text(), "service");
      assertEquals((await admin.from(bucket).remove([name])).data?.length, 1);

      // Buckets: users are refused by RLS on storage.buckets (no policies); service_role is not.
      const other = `${bucket}-svc`;
      try {
        assertRefused((await asAlice.createBucket(other)).error, "403", `bucket "${other}"`);
        assertEquals((await sql`select 1 from storage.buckets where id = ${other}`).length, 0);
        assertEquals((await asAlice.listBuckets()).data, []);
        assertRefused((await asAlice.getBucket(bucket)).error, "404", bucket);

        assertEquals(
          (await admin.createBucket(other, { public: true, fileSizeLimit: "1MB" })).data,
          { name: other },
        );
        assertRefused((await admin.createBucket(other)).error, "409", "already exists");
        const got = await admin.getBucket(other);
        assertEquals([got.data?.public, got.data?.file_size_limit], [true, 1_000_000]);
        assert((await admin.listBuckets()).data?.some((b) => b.id === other));
        assertEquals(
          (await admin.updateBucket(other, { public: false, allowedMimeTypes: ["text/*"] })).error,
          null,
        );
        assertEquals((await admin.getBucket(other)).data?.allowed_mime_types, ["text/*"]);
        assertEquals((await admin.from(other).upload("x.txt", "x")).error, null);
        assertRefused((await admin.deleteBucket(other)).error, "409", "not empty");
        assertEquals((await admin.emptyBucket(other)).error, null);
        assertEquals(await exists(`${stack.config.storageDir}/${other}/x.txt`), false);
        assertEquals((await admin.deleteBucket(other)).error, null);
        assertRefused((await admin.getBucket(other)).error, "404", other);
      } finally {
        await sql`delete from storage.objects where bucket_id = ${other}`;
        await sql`delete from storage.buckets where id = ${other}`;
        await Deno.remove(`${stack.config.storageDir}/${other}`, { recursive: true }).catch(
          () => {},
        );
      }
    }),
);

Deno.test(
  "storage: signed URLs open without auth, expire, and do not open another path",
  opts,
  () =>
    withBucket({}, async ({ alice, asAlice, bucket }) => {
      const name = `${alice.id}/shared file.txt`;
      const other = `${alice.id}/other.txt`;
      await asAlice.from(bucket).upload(name, "shared bytes");
      await asAlice.from(bucket).upload(other, "other bytes");

      const signed = await asAlice.from(bucket).createSignedUrl(name, 60);
      assertEquals(signed.error, null);
      const res = await fetch(signed.data!.signedUrl); // no apikey, no Authorization
      assertEquals(res.status, 200);
      assertEquals(await res.text(), "shared bytes");

      const many = await asAlice.from(bucket).createSignedUrls([name, other], 60);
      assertEquals(many.data?.map((d) => d.error), [null, null]);
      assertEquals(await (await fetch(many.data![1].signedUrl!)).text(), "other bytes");

      // The token names its path: it opens nothing else.
      const token = new URL(signed.data!.signedUrl).searchParams.get("token")!;
      const elsewhere = await fetch(
        `${stack.url}/storage/v1/object/sign/${bucket}/${other}?token=${token}`,
      );
      assertEquals(elsewhere.status, 400);
      const body = await elsewhere.json();
      assertEquals([body.statusCode, body.code], ["400", "InvalidSignature"]);
      assert(body.message.includes("does not match"), body.message);

      // Tampering with the payload breaks the signature.
      const [h, , s] = token.split(".");
      const payload = btoa(JSON.stringify({ url: `${bucket}/${other}`, exp: 4102444800 })).replace(
        /=+$/,
        "",
      );
      const tampered = await fetch(
        `${stack.url}/storage/v1/object/sign/${bucket}/${other}?token=${h}.${payload}.${s}`,
      );
      assertEquals(
        [tampered.status, (await tampered.json()).message.includes("invalid signature")],
        [400, true],
      );

      // And it expires.
      const short = await asAlice.from(bucket).createSignedUrl(name, 1);
      await new Promise((r) => setTimeout(r, 2100));
      const late = await fetch(short.data!.signedUrl);
      assertEquals(late.status, 400);
      const lateBody = await late.json();
      assertEquals(lateBody.code, "InvalidJWT");
      assert(lateBody.message.includes("expired"), lateBody.message);
    }),
);

Deno.test(
  "storage: bucket size and mime limits refuse with a clear message, storing nothing",
  opts,
  () =>
    withBucket(
      { fileSizeLimit: 10, allowedMimeTypes: ["text/plain", "image/*"] },
      async ({ alice, asAlice, bucket, file, rows }) => {
        const big = `${alice.id}/big.txt`;
        const tooBig = await asAlice.from(bucket).upload(big, "eleven byte", {
          contentType: "text/plain",
        });
        assertRefused(tooBig.error, "413", "exceeded the maximum allowed size");
        assert(
          tooBig.error!.message.includes("11 bytes, the limit is 10 bytes"),
          tooBig.error!.message,
        );

        const pdf = `${alice.id}/doc.pdf`;
        const wrongType = await asAlice.from(bucket).upload(
          pdf,
          new Blob(["%PDF"], { type: "application/pdf" }),
        );
        assertRefused(wrongType.error, "415", "mime type application/pdf is not supported");

        assertEquals(await rows(), []);
        assertEquals([await exists(file(big)), await exists(file(pdf))], [false, false]);

        assertEquals(
          (await asAlice.from(bucket).upload(
            `${alice.id}/ok.png`,
            new Blob(["png"], { type: "image/png" }),
          )).error,
          null,
        );
        assertEquals(
          (await asAlice.from(bucket).upload(`${alice.id}/ok.txt`, "ten bytes!", {
            contentType: "text/plain",
          })).error,
          null,
        );
      },
    ),
);

Deno.test("storage: public buckets serve without auth; private ones do not", opts, async () => {
  await withBucket({ public: true }, async ({ alice, asAlice, bucket }) => {
    const name = `${alice.id}/avatar.png`;
    await asAlice.from(bucket).upload(name, new Blob(["png!"], { type: "image/png" }));
    const url = asAlice.from(bucket).getPublicUrl(name).data.publicUrl;
    const res = await fetch(url);
    assertEquals([res.status, res.headers.get("content-type"), await res.text()], [
      200,
      "image/png",
      "png!",
    ]);
  });
  await withBucket({ public: false }, async ({ alice, asAlice, bucket }) => {
    const name = `${alice.id}/avatar.png`;
    await asAlice.from(bucket).upload(name, "png!");
    const res = await fetch(asAlice.from(bucket).getPublicUrl(name).data.publicUrl);
    assertEquals(res.status, 400);
    assertEquals((await res.json()).statusCode, "404");
  });
});

Deno.test(
  "storage: path traversal and malformed names are refused before anything is written",
  opts,
  () =>
    withBucket({}, async ({ alice, bucket, rows }) => {
      const send = (path: string) =>
        fetch(`${stack.url}/storage/v1/object/${bucket}/${path}`, {
          method: "POST",
          headers: {
            apikey: stack.anonKey,
            authorization: `Bearer ${alice.token}`,
            "content-type": "text/plain",
          },
          body: "evil",
        }).then(async (r) =>
          [r.status, (await r.json()) as { statusCode: string; message: string }] as const
        );

      for (
        const [path, problem] of [
          [`${alice.id}/..%2F..%2Fescape.txt`, '".." segment'],
          [`${alice.id}/a%2F%2Fb.txt`, "empty path segment"],
          [`${alice.id}/nul%00.txt`, "NUL"],
        ]
      ) {
        const [status, body] = await send(path);
        assertEquals([status, body.statusCode], [400, "400"], path);
        assert(body.message.includes(problem), body.message);
      }
      assertEquals(await rows(), []);
      assertEquals(await exists(`${stack.config.storageDir}/escape.txt`), false);
      assertEquals(await exists(`${stack.config.storageDir}/${bucket}`), false);
    }),
);

Deno.test(
  "storage: a failure after the row is written leaves neither the row nor the bytes",
  opts,
  () =>
    withBucket({}, async ({ alice, asAlice, bucket, file, rows, sql }) => {
      // A deferred constraint trigger fails the commit, after the bytes were placed on disk.
      const fn = `storage_fail_${crypto.randomUUID().slice(0, 8)}`;
      await sql.unsafe(`
      create function public.${fn}() returns trigger language plpgsql as $$
      begin
        if new.bucket_id = '${bucket}' and new.user_metadata ->> 'fail' = 'at commit' then
          raise exception 'refused at commit';
        end if;
        return new;
      end $$;
      create constraint trigger ${fn} after insert or update on storage.objects
        deferrable initially deferred for each row execute function public.${fn}();`);
      const tempBefore = tempFiles();
      try {
        const failing = { metadata: { fail: "at commit" } };
        const fresh = `${alice.id}/fresh.txt`;
        assertRefused(
          (await asAlice.from(bucket).upload(fresh, "never stored", failing)).error,
          "500",
          "refused at commit",
        );
        assertEquals(await rows(fresh), []);
        assertEquals(await exists(file(fresh)), false);

        // Replacing an object: the old row and the old bytes stay.
        const kept = `${alice.id}/kept.txt`;
        assertEquals((await asAlice.from(bucket).upload(kept, "original")).error, null);
        const replaced = await asAlice.from(bucket).upload(kept, "replacement", {
          upsert: true,
          ...failing,
        });
        assertRefused(replaced.error, "500", "refused at commit");
        assertEquals(await Deno.readTextFile(file(kept)), "original");
        assertEquals((await rows(kept))[0].metadata.size, "original".length);

        // A name that would need a file to be a folder on disk fails after the insert, too.
        const nested = `${alice.id}/kept.txt/inner.txt`;
        assertRefused(
          (await asAlice.from(bucket).upload(nested, "x")).error,
          "409",
          "both an object and a folder",
        );
        assertEquals(await rows(nested), []);
        assertEquals(await Deno.readTextFile(file(kept)), "original");
        assertEquals(
          tempFiles().filter((f) => !tempBefore.includes(f)),
          [],
          "staged files left behind",
        );
      } finally {
        await sql.unsafe(
          `drop trigger if exists ${fn} on storage.objects; drop function if exists public.${fn}();`,
        );
      }
    }),
);

Deno.test(
  "storage: postgres manages policies on storage.objects but cannot alter or drop the table",
  opts,
  async () => {
    const sql = sqlAsPostgres();
    try {
      const policy = `probe ${crypto.randomUUID().slice(0, 8)}`;
      await sql.unsafe(
        `create policy "${policy}" on storage.objects for select to authenticated using (false)`,
      );
      await sql.unsafe(`drop policy "${policy}" on storage.objects`);
      for (
        const ddl of [
          "alter table storage.objects disable row level security",
          "alter table storage.buckets add column probe int",
          "drop table storage.objects",
        ]
      ) {
        const error = await sql.unsafe(ddl).then(() => null, (e) => e);
        assertExists(error, `${ddl} should fail`);
        assert(/must be owner of table (objects|buckets)/.test(error.message), error.message);
      }
      const [rls] =
        await sql`select relrowsecurity from pg_class where oid = 'storage.objects'::regclass`;
      assertEquals(rls.relrowsecurity, true);
    } finally {
      await sql.end();
    }
  },
);
