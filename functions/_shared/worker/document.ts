// The job's document, downloaded and opened at most once per invocation however many steps
// need it, and closed when the invocation is done with the job.

import { isDocumentMimeType } from "../documents.ts";
import { openPdf, type PdfDocument } from "../pdf.ts";
import type { WorkerDeps } from "./deps.ts";
import type { Job } from "./job.ts";

export type LoadedDocument =
  | { kind: "pdf"; bytes: Uint8Array; pdf: PdfDocument }
  | { kind: "image"; bytes: Uint8Array; mimeType: string };

/** A document that cannot be processed; the message is meant for the person who uploaded it. */
export class DocumentError extends Error {
  /** Codes of fail_shell_file_job's catalogue of user-facing messages. */
  constructor(readonly code: "document_not_found" | "unsupported_document", message: string) {
    super(message);
    this.name = "DocumentError";
  }
}

export interface DocumentHandle {
  get(): Promise<LoadedDocument>;
  close(): Promise<void>;
}

export function documentHandle(
  deps: Pick<WorkerDeps, "downloadDocument">,
  job: Job,
): DocumentHandle {
  let loading: Promise<LoadedDocument> | null = null;

  async function load(): Promise<LoadedDocument> {
    const { storage_bucket, storage_path, mime_type } = job.payload;
    // The upload allow-list: PDF, or an image, which is one page.
    const isPdf = mime_type === "application/pdf";
    if (!isDocumentMimeType(mime_type)) {
      throw new DocumentError(
        "unsupported_document",
        `Files of type ${mime_type} cannot be processed.`,
      );
    }
    const bytes = await deps.downloadDocument(storage_bucket, storage_path);
    return isPdf
      ? { kind: "pdf", bytes, pdf: await openPdf(bytes) }
      : { kind: "image", bytes, mimeType: mime_type };
  }

  return {
    get: () => (loading ??= load()),
    async close() {
      const document = await loading?.catch(() => null);
      if (document?.kind === "pdf") await document.pdf.close();
    },
  };
}
