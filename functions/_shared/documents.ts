// The documents bucket, as its Storage settings and create_shell_file_job define it: one
// place for the name, the size limit and the mime allow-list.

export const DOCUMENTS_BUCKET = "medical-docs";

/** 50 MiB, the bucket's file_size_limit and create_shell_file_job's upper bound. */
export const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

export const DOCUMENT_MIME_TYPES = [
  "application/pdf",
  "image/png",
  "image/jpeg",
  "image/tiff",
] as const;

export type DocumentMimeType = (typeof DOCUMENT_MIME_TYPES)[number];

export function isDocumentMimeType(value: string): value is DocumentMimeType {
  return (DOCUMENT_MIME_TYPES as readonly string[]).includes(value);
}
