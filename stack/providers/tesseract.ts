// Reads an image for real with Debian's tesseract-ocr (installed by scripts/setup.sh), so
// the stand-ins' OCR answers come from the pixels. One run writes the text and a TSV of
// words with their confidence, from which the page's confidence is the mean.

export interface OcrText {
  text: string;
  /** 0..1, the mean word confidence; null when no word was found. */
  confidence: number | null;
}

/** How a stand-in reads an image; tests may pass a fixed one. */
export type ReadImage = (bytes: Uint8Array) => Promise<OcrText>;

export class TesseractMissing extends Error {
  constructor() {
    super("tesseract is not installed (apt-get install tesseract-ocr)");
    this.name = "TesseractMissing";
  }
}

export async function tesseractInstalled(): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("tesseract", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return code === 0;
  } catch {
    return false;
  }
}

/** Mean confidence (0..1) of the words (level 5 rows) of tesseract's TSV output. */
export function meanWordConfidence(tsv: string): number | null {
  const confidences: number[] = [];
  for (const row of tsv.split("\n").slice(1)) {
    const cells = row.split("\t");
    const conf = Number(cells[10]);
    if (cells[0] === "5" && (cells[11] ?? "").trim() !== "" && conf >= 0) confidences.push(conf);
  }
  if (confidences.length === 0) return null;
  return confidences.reduce((a, b) => a + b, 0) / confidences.length / 100;
}

export const readWithTesseract: ReadImage = async (bytes) => {
  const dir = await Deno.makeTempDir({ prefix: "docjobs-ocr-" });
  try {
    // Tesseract (Leptonica) tells the image format from its bytes; no extension needed.
    await Deno.writeFile(`${dir}/page`, bytes);
    let output;
    try {
      output = await new Deno.Command("tesseract", {
        args: [`${dir}/page`, `${dir}/out`, "txt", "tsv"],
        // One thread per page: pages are read in parallel already.
        env: { OMP_THREAD_LIMIT: "1" },
        stdout: "null",
        stderr: "piped",
      }).output();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw new TesseractMissing();
      throw error;
    }
    if (output.code !== 0) {
      const reason = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
      throw new Error(`tesseract exited with ${output.code}: ${reason}`);
    }
    const text = (await Deno.readTextFile(`${dir}/out.txt`))
      .replace(/\f/g, "")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
    return { text, confidence: meanWordConfidence(await Deno.readTextFile(`${dir}/out.tsv`)) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
};
