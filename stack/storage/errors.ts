// Errors as Supabase Storage renders them: `{ statusCode, code, error, message }`, where
// statusCode is the meaningful status as a string ("403", "404", ...). Like hosted Storage,
// the HTTP status itself is 400 for every client error and 500 otherwise; storage-js shows the
// body's message as `error.message` and its statusCode/code as `error.statusCode`/`error.code`.

export type StorageErrorCode =
  | "AccessDenied"
  | "BucketAlreadyExists"
  | "EntityTooLarge"
  | "InternalError"
  | "InvalidBucketName"
  | "InvalidJWT"
  | "InvalidKey"
  | "InvalidMimeType"
  | "InvalidRequest"
  | "InvalidSignature"
  | "KeyAlreadyExists"
  | "NoSuchBucket"
  | "NoSuchKey"
  | "ResourceNotEmpty";

export class StorageHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: StorageErrorCode,
    message: string,
    /** The legacy `error` field; hosted Storage fills it with a word or the code. */
    readonly error: string = code,
  ) {
    super(message);
  }

  body() {
    return {
      statusCode: String(this.statusCode),
      code: this.code,
      error: this.error,
      message: this.message,
    };
  }

  response(): Response {
    return Response.json(this.body(), { status: this.statusCode >= 500 ? 500 : 400 });
  }
}

export const errors = {
  accessDenied: (message: string) =>
    new StorageHttpError(403, "AccessDenied", message, "Unauthorized"),
  invalidJwt: (message: string) => new StorageHttpError(400, "InvalidJWT", message),
  invalidSignature: (message: string) => new StorageHttpError(400, "InvalidSignature", message),
  invalidKey: (message: string) => new StorageHttpError(400, "InvalidKey", message),
  invalidBucketName: (message: string) =>
    new StorageHttpError(400, "InvalidBucketName", message, "Invalid Input"),
  invalidRequest: (message: string) => new StorageHttpError(400, "InvalidRequest", message),
  noSuchBucket: (bucket: string) =>
    new StorageHttpError(404, "NoSuchBucket", `Bucket not found: ${bucket}`, "Bucket not found"),
  noSuchKey: (key: string) =>
    new StorageHttpError(404, "NoSuchKey", `Object not found: ${key}`, "not_found"),
  keyExists: (key: string) =>
    new StorageHttpError(
      409,
      "KeyAlreadyExists",
      `The resource already exists: ${key}`,
      "Duplicate",
    ),
  bucketExists: (bucket: string) =>
    new StorageHttpError(
      409,
      "BucketAlreadyExists",
      `The resource already exists: bucket ${bucket}`,
      "Duplicate",
    ),
  bucketNotEmpty: (bucket: string) =>
    new StorageHttpError(
      409,
      "ResourceNotEmpty",
      `The bucket you tried to delete is not empty: ${bucket}`,
    ),
  tooLarge: (message: string) =>
    new StorageHttpError(413, "EntityTooLarge", message, "Payload too large"),
  mimeType: (message: string) =>
    new StorageHttpError(415, "InvalidMimeType", message, "invalid_mime_type"),
  internal: (message: string) => new StorageHttpError(500, "InternalError", message, "Internal"),
};

/** What a PostgreSQL error met while working on `resource` means to a Storage client. */
export function fromDatabaseError(error: unknown, resource: string): StorageHttpError {
  if (error instanceof StorageHttpError) return error;
  const pg = error as { code?: string; message?: string };
  const message = pg.message ?? String(error);
  switch (pg.code) {
    case "42501": // insufficient_privilege: RLS refused the row, or a missing grant
      return errors.accessDenied(`${message.replace(/ for table "\w+"$/, "")} for ${resource}`);
    case "23505":
      return errors.keyExists(resource);
    case "23503":
      return new StorageHttpError(409, "InvalidRequest", `${message} (${resource})`);
    case "22P02":
    case "22023":
    case "23514":
      return errors.invalidRequest(`${message} (${resource})`);
    default:
      return errors.internal(`${message} (${resource})`);
  }
}
