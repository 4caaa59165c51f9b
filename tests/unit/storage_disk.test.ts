// The Storage stand-in's disk store: placing bytes is atomic and can be undone, so a failed
// transaction leaves the disk as it was. Runs in a temporary folder.

import { assertEquals, assertRejects } from "@std/assert";
import { DiskStore } from "../../stack/storage/disk.ts";
import { StorageHttpError } from "../../stack/storage/errors.ts";

const read = (path: string) => Deno.readTextFile(path);
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

async function withStore(fn: (store: DiskStore, root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "storage-disk-" });
  try {
    await fn(new DiskStore(root), root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("place + finish puts the bytes at <root>/<bucket>/<name> and leaves no temporary file", () =>
  withStore(async (store, root) => {
    const staged = await store.stage(new TextEncoder().encode("v1"));
    const placement = await store.place(staged, "docs", "uid/a.txt");
    await store.finish(placement);
    assertEquals(await read(`${root}/docs/uid/a.txt`), "v1");
    assertEquals([...Deno.readDirSync(`${root}/.tmp`)], []);
  }));

Deno.test("undo after replacing an object restores the old bytes; after a new one, removes it", () =>
  withStore(async (store, root) => {
    await store.finish(
      await store.place(await store.stage(new TextEncoder().encode("v1")), "docs", "a.txt"),
    );
    const staged = await store.stage(new TextEncoder().encode("v2"));
    const replacing = await store.place(staged, "docs", "a.txt");
    assertEquals(await read(`${root}/docs/a.txt`), "v2");
    await store.undo(replacing);
    await store.discard(staged);
    assertEquals(await read(`${root}/docs/a.txt`), "v1");

    const fresh = await store.stage(new TextEncoder().encode("new"));
    const placed = await store.place(fresh, "docs", "b/new.txt");
    await store.undo(placed);
    await store.discard(fresh);
    assertEquals(await exists(`${root}/docs/b/new.txt`), false);
    assertEquals([...Deno.readDirSync(`${root}/.tmp`)], []);
  }));

Deno.test("a name that is both a file and a folder is refused without touching the existing object", () =>
  withStore(async (store, root) => {
    await store.finish(
      await store.place(await store.stage(new TextEncoder().encode("file")), "docs", "a"),
    );
    await store.finish(
      await store.place(
        await store.stage(new TextEncoder().encode("inner")),
        "docs",
        "d/inner.txt",
      ),
    );
    const under = await assertRejects(
      async () => store.place(await store.stage(new TextEncoder().encode("x")), "docs", "a/b"),
      StorageHttpError,
    );
    assertEquals(under.code, "KeyAlreadyExists");
    const over = await assertRejects(
      async () => store.place(await store.stage(new TextEncoder().encode("x")), "docs", "d"),
      StorageHttpError,
    );
    assertEquals(over.code, "KeyAlreadyExists");
    assertEquals(await read(`${root}/docs/a`), "file");
    assertEquals(await read(`${root}/docs/d/inner.txt`), "inner");
  }));

Deno.test("remove deletes the file and the folders it leaves empty, but not the bucket or other files", () =>
  withStore(async (store, root) => {
    for (const name of ["u/x/y/z.txt", "u/keep.txt"]) {
      await store.finish(
        await store.place(await store.stage(new TextEncoder().encode(name)), "docs", name),
      );
    }
    await store.remove("docs", "u/x/y/z.txt");
    assertEquals(await exists(`${root}/docs/u/x`), false);
    assertEquals(await read(`${root}/docs/u/keep.txt`), "u/keep.txt");
    await store.remove("docs", "u/keep.txt");
    assertEquals(await exists(`${root}/docs/u`), false);
    assertEquals(await exists(`${root}/docs`), true);
  }));
