// Base64 for request bodies (images and PDFs sent inline to OCR providers), with btoa/atob,
// which every runtime here has (Uint8Array.toBase64 is too new for the Edge Runtime).

/** Bytes per btoa call: a multiple of 3, so the encoded pieces join without padding. */
const CHUNK = 3 * 8192;

export function toBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += btoa(String.fromCharCode(...bytes.subarray(i, i + CHUNK)));
  }
  return out;
}

/** Throws on anything that is not base64 (atob's DOMException). */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
