// A small multipart/form-data reader. Deno's Request.formData() drops parts whose field name is
// empty, and storage-js sends Blob uploads exactly so (`body.append('', blob)`), so uploads
// parse the body themselves.

export interface Part {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (
    let i = haystack.indexOf(first, from);
    i !== -1 && i <= last;
    i = haystack.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** The boundary parameter of a multipart content-type, or null. */
export function boundaryOf(contentType: string): string | null {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : null;
}

function dispositionParam(header: string, param: string): string | null {
  const match = new RegExp(`;\\s*${param}="((?:[^"\\\\]|\\\\.)*)"|;\\s*${param}=([^;\\s]*)`, "i")
    .exec(header);
  if (!match) return null;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2];
}

/** Splits a multipart body into its parts; throws on a body that is not multipart. */
export function parseMultipart(body: Uint8Array, boundary: string): Part[] {
  const delimiter = encoder.encode(`--${boundary}`);
  const between = encoder.encode(`\r\n--${boundary}`);
  const headerEnd = encoder.encode("\r\n\r\n");
  let at = indexOf(body, delimiter, 0);
  if (at === -1) throw new Error("the boundary does not occur in the body");
  at += delimiter.length;
  const parts: Part[] = [];
  while (true) {
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // "--": the closing delimiter
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) {
      throw new Error("a delimiter is not followed by CRLF");
    }
    const headersStart = at + 2;
    const headersStop = indexOf(body, headerEnd, headersStart);
    if (headersStop === -1) throw new Error("a part has no end of headers");
    const headers = new Map<string, string>();
    for (const line of decoder.decode(body.subarray(headersStart, headersStop)).split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) {
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
    const dataStart = headersStop + headerEnd.length;
    const dataStop = indexOf(body, between, dataStart);
    if (dataStop === -1) throw new Error("a part is not closed by the boundary");
    const disposition = headers.get("content-disposition") ?? "";
    parts.push({
      name: dispositionParam(disposition, "name") ?? "",
      filename: dispositionParam(disposition, "filename"),
      contentType: headers.get("content-type") ?? null,
      data: body.subarray(dataStart, dataStop),
    });
    at = dataStop + between.length;
  }
}
