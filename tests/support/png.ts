// Reads back what functions/_shared/png.ts writes (8-bit, filter 0 rows), so tests can check
// pixels without an image library.

export interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  /** Samples, row by row, without the filter bytes. */
  pixels: Uint8Array;
}

export async function decodePng(bytes: Uint8Array): Promise<DecodedPng> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0, height = 0, colorType = 0;
  const idat: Uint8Array[] = [];
  while (offset < bytes.length) {
    const length = view.getUint32(offset);
    const type = new TextDecoder().decode(bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      colorType = data[9];
    }
    if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  const stream = new Blob(idat as Uint8Array<ArrayBuffer>[]).stream().pipeThrough(
    new DecompressionStream("deflate"),
  );
  const raw = new Uint8Array(await new Response(stream).arrayBuffer());
  const channels = { 0: 1, 2: 3, 6: 4 }[colorType] ?? 0;
  const rowBytes = width * channels;
  const pixels = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    if (raw[y * (rowBytes + 1)] !== 0) {
      throw new Error(`row ${y}: filter ${raw[y * (rowBytes + 1)]} not supported`);
    }
    pixels.set(raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1)), y * rowBytes);
  }
  return { width, height, colorType, pixels };
}
