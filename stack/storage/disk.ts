// Object bytes on local disk, at `<root>/<bucket>/<name>`. Writes are staged in `<root>/.tmp`
// (same filesystem, so renames are atomic) and placed with a rename that can be undone, so a
// request whose transaction fails leaves the disk as it found it.

import { errors } from "./errors.ts";

/** A file moved into an object's place; `backup` holds what was there before, if anything. */
export interface Placement {
  from: string;
  to: string;
  backup: string | null;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}

export class DiskStore {
  constructor(readonly root: string) {}

  objectPath(bucket: string, name: string): string {
    return `${this.root}/${bucket}/${name}`;
  }

  private async tempPath(): Promise<string> {
    const dir = `${this.root}/.tmp`;
    await Deno.mkdir(dir, { recursive: true });
    return `${dir}/${crypto.randomUUID()}`;
  }

  /** Writes bytes to a fresh temporary file and returns its path. */
  async stage(bytes: Uint8Array): Promise<string> {
    const path = await this.tempPath();
    await Deno.writeFile(path, bytes);
    return path;
  }

  /** Copies an object's bytes to a fresh temporary file. */
  async stageCopy(bucket: string, name: string): Promise<string> {
    const path = await this.tempPath();
    try {
      await Deno.copyFile(this.objectPath(bucket, name), path);
    } catch (error) {
      if (isNotFound(error)) {
        throw errors.noSuchKey(`${bucket}/${name} (its bytes are missing on disk)`);
      }
      throw error;
    }
    return path;
  }

  /** Renames `from` to the object's path, keeping any file already there as a backup. */
  async place(from: string, bucket: string, name: string): Promise<Placement> {
    const to = this.objectPath(bucket, name);
    try {
      await Deno.mkdir(parentOf(to), { recursive: true });
    } catch (error) {
      throw this.conflict(bucket, name, error);
    }
    let backup: string | null = null;
    const existing = await Deno.lstat(to).catch((error) => {
      if (isNotFound(error)) return null;
      throw error;
    });
    if (existing?.isDirectory) throw this.conflict(bucket, name, new Deno.errors.IsADirectory(to));
    if (existing) {
      backup = await this.tempPath();
      await Deno.rename(to, backup);
    }
    try {
      await Deno.rename(from, to);
    } catch (error) {
      if (backup) await Deno.rename(backup, to);
      if (isNotFound(error)) {
        throw errors.noSuchKey(`${from} (the bytes to place are missing on disk)`);
      }
      throw this.conflict(bucket, name, error);
    }
    return { from, to, backup };
  }

  /** Undoes `place`: the file goes back where it came from, the old one is restored. */
  async undo(placement: Placement): Promise<void> {
    await Deno.rename(placement.to, placement.from).catch(() => {});
    if (placement.backup) await Deno.rename(placement.backup, placement.to);
  }

  /** Makes `place` final by dropping the backup. */
  async finish(placement: Placement): Promise<void> {
    if (placement.backup) await Deno.remove(placement.backup).catch(() => {});
  }

  /** Removes a temporary file if it is still there. */
  async discard(path: string): Promise<void> {
    await Deno.remove(path).catch(() => {});
  }

  async open(bucket: string, name: string): Promise<{ file: Deno.FsFile; size: number } | null> {
    try {
      const file = await Deno.open(this.objectPath(bucket, name), { read: true });
      const info = await file.stat();
      if (!info.isFile) {
        file.close();
        return null;
      }
      return { file, size: info.size };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Removes an object's file and the folders it leaves empty. */
  async remove(bucket: string, name: string): Promise<void> {
    const bucketDir = `${this.root}/${bucket}`;
    let path = this.objectPath(bucket, name);
    await Deno.remove(path).catch(() => {});
    for (path = parentOf(path); path.length > bucketDir.length; path = parentOf(path)) {
      try {
        await Deno.remove(path); // fails, and stops the climb, when the folder is not empty
      } catch {
        break;
      }
    }
  }

  async removeBucket(bucket: string): Promise<void> {
    await Deno.remove(`${this.root}/${bucket}`, { recursive: true }).catch(() => {});
  }

  /** A folder and a file cannot share a path on disk, though object names could. */
  private conflict(bucket: string, name: string, error: unknown) {
    if (
      error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.AlreadyExists ||
      error instanceof Deno.errors.IsADirectory
    ) {
      return errors.keyExists(
        `${bucket}/${name} (the local store keeps objects as files, so a name cannot be both ` +
          `an object and a folder of other objects)`,
      );
    }
    return error;
  }
}
