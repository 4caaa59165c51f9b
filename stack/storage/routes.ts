// Which Storage operation a request is, from its method and path (the part after
// /storage/v1). Fixed words win over bucket names, as in hosted Storage's router, so a bucket
// called "list" or "sign" is only reachable where no fixed route matches.

import { decodePathPart, parseObjectPath, validateBucketId } from "./paths.ts";

type ObjectRef = { bucket: string; name: string };

export type Route =
  | { op: "createBucket" }
  | { op: "listBuckets" }
  | { op: "getBucket"; bucket: string }
  | { op: "updateBucket"; bucket: string }
  | { op: "deleteBucket"; bucket: string }
  | { op: "emptyBucket"; bucket: string }
  | { op: "list"; bucket: string }
  | { op: "move" }
  | { op: "copy" }
  | { op: "signMany"; bucket: string }
  | ({ op: "sign" } & ObjectRef)
  | ({ op: "getSigned" } & ObjectRef)
  | ({ op: "getPublic"; head: boolean } & ObjectRef)
  | ({ op: "infoPublic" } & ObjectRef)
  | ({ op: "info" } & ObjectRef)
  | ({ op: "download"; head: boolean } & ObjectRef)
  | ({ op: "upload"; method: "POST" | "PUT" } & ObjectRef)
  | { op: "removeMany"; bucket: string }
  | ({ op: "remove" } & ObjectRef);

/**
 * The route for `method path`, or null when Storage has no such route. Throws a
 * StorageHttpError when the route is known but its bucket or object name is invalid.
 */
export function matchRoute(method: string, path: string): Route | null {
  const clean = path.replace(/^\/+/, "");
  const [area, ...restParts] = clean.split("/");
  const rest = restParts.join("/");
  if (area === "bucket") return matchBucket(method, restParts);
  if (area !== "object") return null;

  const head = method === "HEAD";
  const get = method === "GET" || head;
  const [word, ...afterWord] = restParts;
  const after = afterWord.join("/");

  if (method === "POST" && word === "list" && afterWord.length === 1) {
    return { op: "list", bucket: bucketOf(afterWord[0]) };
  }
  if (method === "POST" && word === "move" && afterWord.length === 0) return { op: "move" };
  if (method === "POST" && word === "copy" && afterWord.length === 0) return { op: "copy" };
  if (word === "sign") {
    if (method === "POST" && afterWord.length === 1) {
      return { op: "signMany", bucket: bucketOf(afterWord[0]) };
    }
    if (method === "POST") return { op: "sign", ...parseObjectPath(after) };
    if (method === "GET") return { op: "getSigned", ...parseObjectPath(after) };
  }
  if (word === "public" && get) return { op: "getPublic", head, ...parseObjectPath(after) };
  if (word === "info" && method === "GET") {
    const [sub, ...afterSub] = afterWord;
    if (sub === "public") return { op: "infoPublic", ...parseObjectPath(afterSub.join("/")) };
    if (sub === "authenticated") return { op: "info", ...parseObjectPath(afterSub.join("/")) };
    return { op: "info", ...parseObjectPath(after) };
  }
  if (word === "authenticated" && get) return { op: "download", head, ...parseObjectPath(after) };
  if (restParts.length === 1 && method === "DELETE") {
    return { op: "removeMany", bucket: bucketOf(word) };
  }
  if (restParts.length < 2) return null;
  if (get) return { op: "download", head, ...parseObjectPath(rest) };
  if (method === "POST" || method === "PUT") {
    return { op: "upload", method, ...parseObjectPath(rest) };
  }
  if (method === "DELETE") return { op: "remove", ...parseObjectPath(rest) };
  return null;
}

function bucketOf(raw: string): string {
  return validateBucketId(decodePathPart(raw, "bucket name"));
}

function matchBucket(method: string, parts: string[]): Route | null {
  const nonEmpty = parts.filter((p) => p !== "");
  if (nonEmpty.length === 0) {
    if (method === "POST") return { op: "createBucket" };
    if (method === "GET") return { op: "listBuckets" };
    return null;
  }
  const bucket = bucketOf(nonEmpty[0]);
  if (nonEmpty.length === 2 && nonEmpty[1] === "empty" && method === "POST") {
    return { op: "emptyBucket", bucket };
  }
  if (nonEmpty.length !== 1) return null;
  if (method === "GET") return { op: "getBucket", bucket };
  if (method === "PUT") return { op: "updateBucket", bucket };
  if (method === "DELETE") return { op: "deleteBucket", bucket };
  return null;
}
