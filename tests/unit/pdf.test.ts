// functions/_shared/pdf.ts on the bundled samples: page count, each page's text layer,
// which pages need OCR, the scanned image of a page without text, and the errors for files
// that are not PDFs, are damaged, or are encrypted. Also: it boots and runs inside the
// local Edge Runtime's isolate, as a function would use it.

import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { encodePng } from "../../functions/_shared/png.ts";
import { isPdf, openPdf, PdfError } from "../../functions/_shared/pdf.ts";
import { EdgeRuntime } from "../../stack/edge/runtime.ts";
import { decodePng } from "../support/png.ts";

const sample = (name: string) => Deno.readFile(new URL(`../../samples/${name}`, import.meta.url));

Deno.test("the discharge summary has three pages, each with its own text layer", async () => {
  const doc = await openPdf(await sample("discharge-summary.pdf"));
  try {
    assertEquals(doc.pageCount, 3);
    const [one, two, three] = await Promise.all([1, 2, 3].map((n) => doc.pageText(n)));
    assertEquals([one.pageNumber, two.pageNumber, three.pageNumber], [1, 2, 3]);
    assertEquals([one.needsOcr, two.needsOcr, three.needsOcr], [false, false, false]);
    // One line per text line, in reading order.
    assertStringIncludes(one.text, "Riverside General Hospital\nDischarge Summary\n");
    assertStringIncludes(one.text, "Diagnosis: Type 2 diabetes mellitus\n");
    assertStringIncludes(one.text, "Allergy: Penicillin (hives)\n");
    assertStringIncludes(two.text, "Medication: Metformin 500 mg twice daily\n");
    assertStringIncludes(
      three.text,
      "Immunization: Pneumococcal conjugate vaccine (PCV20), 2024-03-05\n",
    );
    assert(!one.text.includes("Metformin"), "page 1 must not contain page 2's text");
    assert(three.text.endsWith("Page 3 of 3"), three.text);
  } finally {
    await doc.close();
  }
});

Deno.test("a scanned page has no text layer: it needs OCR, and its image comes out as a PNG", async () => {
  const doc = await openPdf(await sample("scanned-referral.pdf"));
  try {
    assertEquals(doc.pageCount, 1);
    assertEquals(await doc.pageText(1), { pageNumber: 1, text: "", needsOcr: true });
    const image = await doc.pageImage(1);
    if (!image) throw new Error("no image on the scanned page");
    assertEquals([image.width, image.height], [1275, 825]);
    const png = await decodePng(image.png);
    assertEquals([png.width, png.height], [1275, 825]);
    // Mostly white paper with some dark ink.
    const dark = png.pixels.filter((v) => v < 100).length;
    assert(dark > 1000 && dark < png.pixels.length / 4, `dark samples: ${dark}`);
  } finally {
    await doc.close();
  }
});

Deno.test("a page that draws no image has none to give", async () => {
  const doc = await openPdf(await sample("discharge-summary.pdf"));
  try {
    assertEquals(await doc.pageImage(2), null);
  } finally {
    await doc.close();
  }
});

/** A one-page PDF drawing a 40x20 1-bit grey image (pdf.js decodes these packed). */
function oneBitPdf(): Uint8Array {
  const rows: number[] = [];
  for (let y = 0; y < 20; y++) rows.push(...Array(5).fill(y % 2 === 0 ? 0xaa : 0x0f));
  const content = "q 100 0 0 50 0 0 cm /Im1 Do Q";
  const enc = new TextEncoder();
  const parts = [
    enc.encode(
      "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
        "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" +
        "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 100 50] " +
        "/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >> endobj\n" +
        `4 0 obj << /Length ${content.length} >> stream\n${content}\nendstream endobj\n` +
        "5 0 obj << /Type /XObject /Subtype /Image /Width 40 /Height 20 /ColorSpace /DeviceGray " +
        `/BitsPerComponent 1 /Length ${rows.length} >> stream\n`,
    ),
    new Uint8Array(rows),
    enc.encode("\nendstream endobj\ntrailer << /Root 1 0 R /Size 6 >>\n%%EOF\n"),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

Deno.test("a 1-bit scan comes out as 8-bit grey, a set bit white", async () => {
  const doc = await openPdf(oneBitPdf());
  try {
    const image = await doc.pageImage(1);
    if (!image) throw new Error("no image on the scanned page");
    const png = await decodePng(image.png);
    assertEquals([png.width, png.height, png.colorType], [40, 20, 0]);
    assertEquals([...png.pixels.subarray(0, 8)], [255, 0, 255, 0, 255, 0, 255, 0]); // 0xaa
    assertEquals([...png.pixels.subarray(40, 48)], [0, 0, 0, 0, 255, 255, 255, 255]); // 0x0f
  } finally {
    await doc.close();
  }
});

Deno.test("isPdf looks for the header in the first 1024 bytes only", async () => {
  assert(isPdf(await sample("discharge-summary.pdf")));
  assert(!isPdf(await sample("scanned-referral.png")));
  assert(!isPdf(new Uint8Array()));
  const enc = new TextEncoder();
  assert(isPdf(enc.encode(" ".repeat(1000) + "%PDF-1.7")));
  assert(!isPdf(enc.encode(" ".repeat(1020) + "%PDF-1.7")));
});

Deno.test("bytes that are not a PDF are refused as not_pdf", async () => {
  const error = await assertRejects(
    async () => await openPdf(await sample("scanned-referral.png")),
    PdfError,
  );
  assertEquals(error.code, "not_pdf");
  assertEquals(error.message, "The file is not a PDF.");
});

Deno.test("a truncated or garbled PDF is refused as corrupt", async () => {
  const bytes = await sample("discharge-summary.pdf");
  for (
    const broken of [
      bytes.slice(0, bytes.length / 2),
      new TextEncoder().encode("%PDF-1.4\nnot a pdf at all\n"),
    ]
  ) {
    const error = await assertRejects(() => openPdf(broken), PdfError);
    assertEquals(error.code, "corrupt");
    assertEquals(error.message, "The PDF is damaged or incomplete and cannot be read.");
  }
});

Deno.test("the password-protected sample is refused as encrypted, with a message for the uploader", async () => {
  const error = await assertRejects(
    async () => await openPdf(await sample("password-protected.pdf")),
    PdfError,
  );
  assertEquals(error.code, "encrypted");
  assertStringIncludes(error.message, "password-protected");
});

Deno.test("page numbers outside the document are a RangeError; the caller's bytes stay intact", async () => {
  const bytes = await sample("discharge-summary.pdf");
  const length = bytes.length;
  const doc = await openPdf(bytes);
  try {
    assertEquals(bytes.length, length); // pdf.js detaches what it is given; pdf.ts gives it a copy
    for (const n of [0, 4, 1.5]) {
      assertInstanceOf(await doc.pageText(n).catch((e) => e), RangeError);
    }
  } finally {
    await doc.close();
  }
});

Deno.test("encodePng round-trips grey, RGB and RGBA pixels", async () => {
  for (const channels of [1, 3, 4] as const) {
    const pixels = new Uint8Array(3 * 2 * channels).map((_, i) => (i * 37) % 256);
    const png = await decodePng(await encodePng(pixels, 3, 2, channels));
    assertEquals([png.width, png.height, png.colorType], [3, 2, { 1: 0, 3: 2, 4: 6 }[channels]]);
    assertEquals(png.pixels, pixels);
  }
  await assertRejects(() => encodePng(new Uint8Array(5), 3, 2, 1), RangeError);
});

Deno.test("pdf.ts boots and runs inside the local Edge Runtime's isolate", async () => {
  const runtime = new EdgeRuntime({ wallClockMs: () => 20_000, log: () => {} });
  try {
    const spec = {
      name: "pdf-probe",
      entrypoint: new URL("../fixtures/pdf_probe/index.ts", import.meta.url).href,
      verifyJwt: false,
    };
    const answer = async (name: string) => {
      const body = await sample(name);
      const response = await runtime.invoke(
        spec,
        new Request("http://local/functions/v1/pdf-probe", { method: "POST", body }),
        "http://local/functions/v1/pdf-probe",
      );
      return await response.json();
    };
    assertEquals(await answer("discharge-summary.pdf"), {
      pageCount: 3,
      needsOcr: [false, false, false],
      firstLine: "Riverside General Hospital",
      imageBytes: null,
    });
    const scanned = await answer("scanned-referral.pdf");
    assertEquals(scanned.needsOcr, [true]);
    assert(scanned.imageBytes > 10_000, JSON.stringify(scanned));
    assertEquals(await answer("password-protected.pdf"), { error: "encrypted" });
  } finally {
    runtime.shutdown();
  }
});
