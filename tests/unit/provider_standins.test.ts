// The local provider stand-ins on random loopback ports: each knob produces the failure it
// names, as our adapters see it; the counters count what tests will rely on (peak
// concurrency, 429s, requests per minute, tokens); the answers are deterministic; the
// control endpoint and the process entry work; and tesseract really reads the sample scan.

import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { toBase64 } from "../../functions/_shared/base64.ts";
import { openPdf } from "../../functions/_shared/pdf.ts";
import { ProviderError } from "../../functions/_shared/providers/errors.ts";
import { createGoogleVisionOcr } from "../../functions/_shared/providers/google_vision.ts";
import { createOpenAIPasses } from "../../functions/_shared/providers/openai_passes.ts";
import { createOpenAIVisionOcr } from "../../functions/_shared/providers/openai_vision.ts";
import { SYSTEM_PROMPTS } from "../../functions/_shared/providers/prompts.ts";
import type { ClinicalItem } from "../../functions/_shared/providers/types.ts";
import {
  extractItems,
  findEntities,
  writeNarrative,
} from "../../stack/providers/clinical_rules.ts";
import { startOpenAIStandIn } from "../../stack/providers/openai_standin.ts";
import type { StandIn } from "../../stack/providers/standin_server.ts";
import { meanWordConfidence, tesseractInstalled } from "../../stack/providers/tesseract.ts";
import { startVisionStandIn } from "../../stack/providers/vision_standin.ts";

const sample = (name: string) => Deno.readFile(new URL(`../../samples/${name}`, import.meta.url));
const fixedOcr = () => Promise.resolve({ text: "FIXED OCR TEXT", confidence: 0.5 });
const PAGE = {
  pageNumber: 1,
  text: "Medication: Metformin 500 mg twice daily\nAllergy: Penicillin (hives)",
};
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

function passesFor(standIn: StandIn, timeoutMs = 5000) {
  return createOpenAIPasses({
    baseURL: `${standIn.url}/v1`,
    apiKey: "sk-local",
    model: "gpt-4o-mini",
    timeoutMs,
    rateLimit: { provider_name: "openai", api_endpoint: "gpt-4o-mini" },
  }, { fetch });
}

function visionFor(standIn: StandIn, timeoutMs = 5000) {
  return createGoogleVisionOcr({
    baseURL: standIn.url,
    apiKey: "g-local",
    timeoutMs,
    rateLimit: { provider_name: "google", api_endpoint: "vision-api" },
  }, { fetch });
}

async function withStandIn(standIn: StandIn, body: (s: StandIn) => Promise<void>) {
  try {
    await body(standIn);
  } finally {
    await standIn.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  return await assertRejects(() => promise, ProviderError);
}

async function until(condition: () => boolean, ms = 2000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("parallel requests: peak concurrency, requests and tokens are counted", async () => {
  await withStandIn(startOpenAIStandIn({ knobs: { latencyMs: 150 } }), async (standIn) => {
    const ai = passesFor(standIn);
    const results = await Promise.all(Array.from({ length: 5 }, () => ai.detectEntities(PAGE)));
    const c = standIn.counters;
    assertEquals([c.peakConcurrent, c.concurrent, c.requests, c.requestsThisMinute], [5, 0, 5, 5]);
    // The tokens the stand-in counted are the tokens the adapter reported.
    assertEquals(c.promptTokens, results.reduce((n, r) => n + r.usage.promptTokens, 0));
    assertEquals(c.completionTokens, results.reduce((n, r) => n + r.usage.completionTokens, 0));
    assert(c.promptTokens > 0 && c.completionTokens > 0);

    await ai.detectEntities(PAGE); // one at a time: concurrency stays at its peak, not its sum
    assertEquals([standIn.counters.peakConcurrent, standIn.counters.requests], [5, 6]);
  });
});

Deno.test("fail429 answers 429 to the next N, with or without Retry-After, and counts them", async () => {
  await withStandIn(startVisionStandIn({ readImage: fixedOcr }), async (standIn) => {
    const ocr = visionFor(standIn);
    const image = { kind: "image" as const, bytes: PNG, mimeType: "image/png" };
    standIn.setKnobs({ fail429: 2, retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i++) {
      const error = await failure(ocr.recognize(image));
      assertEquals([error.kind, error.retryAfterSeconds], ["rate_limited", 7]);
    }
    assertEquals((await ocr.recognize(image)).text, "FIXED OCR TEXT");
    standIn.setKnobs({ fail429: 1, retryAfterSeconds: null });
    const bare = await failure(ocr.recognize(image));
    assertEquals([bare.kind, bare.retryAfterSeconds], ["rate_limited", null]);
    assertEquals([standIn.counters.rateLimited, standIn.counters.requests], [3, 4]);
  });
  await withStandIn(
    startOpenAIStandIn({ knobs: { fail429: 1, retryAfterSeconds: 3 } }),
    async (standIn) => {
      const error = await failure(passesFor(standIn).detectEntities(PAGE));
      assertEquals([error.kind, error.retryAfterSeconds], ["rate_limited", 3]);
      assertEquals(standIn.counters.rateLimited, 1);
    },
  );
});

Deno.test("fail500 is a transient failure for the adapters, and counted", async () => {
  await withStandIn(startOpenAIStandIn({ knobs: { fail500: 1 } }), async (standIn) => {
    const ai = passesFor(standIn);
    const error = await failure(ai.detectEntities(PAGE));
    assertEquals([error.kind, error.status], ["transient", 500]);
    assert((await ai.detectEntities(PAGE)).output.length > 0);
    assertEquals([standIn.counters.serverErrors, standIn.counters.requests], [1, 2]);
  });
});

Deno.test("hang holds a request past the client's timeout for hangMs; close() releases it", async () => {
  await withStandIn(startOpenAIStandIn({ knobs: { hang: 1, hangMs: 400 } }), async (standIn) => {
    const started = performance.now();
    const error = await failure(passesFor(standIn, 100).detectEntities(PAGE));
    assertEquals([error.kind, error.message], ["transient", "openai: no answer within 100 ms"]);
    assert(performance.now() - started < 2000);
    assertEquals([standIn.counters.hung, standIn.counters.concurrent], [1, 1]); // still held
    await until(() => standIn.counters.concurrent === 0); // released after hangMs
    assertEquals((await passesFor(standIn).detectEntities(PAGE)).usage.requests, 1); // the next one is answered
  });
  const standIn = startVisionStandIn({ knobs: { hang: 1 } });
  const pending = fetch(`${standIn.url}/v1/images:annotate?key=k`, { method: "POST", body: "{}" })
    .then((r) => r.body?.cancel(), () => undefined);
  await until(() => standIn.counters.hung === 1);
  const started = performance.now();
  await standIn.close();
  await pending;
  assert(performance.now() - started < 2000, "close() must not wait for a hung request");
});

Deno.test("malformed output, not JSON or not the agreed shape, is a transient failure (retried)", async () => {
  await withStandIn(startOpenAIStandIn({ readImage: fixedOcr }), async (standIn) => {
    const ai = passesFor(standIn);
    standIn.setKnobs({ malformed: 1, malformedMode: "invalid_json" });
    const notJson = await failure(ai.detectEntities(PAGE));
    assertEquals([notJson.kind, notJson.message], [
      "transient",
      "openai: invalid answer: entities: not JSON (finish_reason stop)",
    ]);
    assert(notJson.usage!.tokens > 0, "a broken answer still cost tokens");
    standIn.setKnobs({ malformed: 1, malformedMode: "schema" });
    const wrong = await failure(ai.extractClinical({ ...PAGE, entities: [] }));
    assertEquals([wrong.kind, wrong.message], [
      "transient",
      "openai: invalid answer: clinical: items: invalid_type",
    ]);
    standIn.setKnobs({ malformed: 1 });
    const ocr = createOpenAIVisionOcr({
      baseURL: `${standIn.url}/v1`,
      apiKey: "k",
      model: "m",
      timeoutMs: 5000,
      rateLimit: { provider_name: "openai", api_endpoint: "gpt-4-vision" },
    }, { fetch });
    const image = { kind: "image" as const, bytes: PNG, mimeType: "image/png" };
    assertEquals(
      (await failure(ocr.recognize(image))).message,
      "openai_vision: invalid answer: no text content",
    );
    assertEquals((await ocr.recognize(image)).text, "FIXED OCR TEXT");
    assertEquals(standIn.counters.malformed, 3);
  });
  await withStandIn(startVisionStandIn({ readImage: fixedOcr }), async (standIn) => {
    const ocr = visionFor(standIn);
    const image = { kind: "image" as const, bytes: PNG, mimeType: "image/png" };
    standIn.setKnobs({ malformed: 1, malformedMode: "invalid_json" });
    assertEquals(
      (await failure(ocr.recognize(image))).message,
      "google_vision: invalid answer: response body is not JSON",
    );
    standIn.setKnobs({ malformed: 1, malformedMode: "schema" });
    assertEquals((await failure(ocr.recognize(image))).kind, "transient");
    assertEquals(standIn.counters.malformed, 2);
  });
});

Deno.test("the per-minute limit answers 429 past N in a clock minute, with Retry-After to the next", async () => {
  let now = Date.parse("2026-11-22T10:00:10Z");
  await withStandIn(
    startOpenAIStandIn({ now: () => now, knobs: { requestsPerMinute: 3 } }),
    async (standIn) => {
      const ai = passesFor(standIn);
      const outcomes = [];
      for (let i = 0; i < 5; i++) {
        outcomes.push(
          await ai.detectEntities(PAGE).then(
            () => "ok",
            (e: ProviderError) => `${e.kind} ${e.retryAfterSeconds}`,
          ),
        );
      }
      assertEquals(outcomes, ["ok", "ok", "ok", "rate_limited 50", "rate_limited 50"]);
      assertEquals([standIn.counters.requestsThisMinute, standIn.counters.rateLimited], [5, 2]);
      now += 60_000; // the next minute starts from zero; the peak is kept
      await ai.detectEntities(PAGE);
      const c = standIn.counters;
      assertEquals([c.requestsThisMinute, c.peakRequestsPerMinute, c.requests, c.rateLimited], [
        1,
        5,
        6,
        2,
      ]);
    },
  );
});

Deno.test("knobs and counters over HTTP: set, read, refuse unknown knobs, reset", async () => {
  await withStandIn(
    startVisionStandIn({ readImage: fixedOcr, knobs: { latencyMs: 5 } }),
    async (standIn) => {
      const control = (path: string, body?: unknown) =>
        fetch(
          `${standIn.url}/_control/${path}`,
          body === undefined ? {} : { method: "POST", body: JSON.stringify(body) },
        );
      assertEquals((await (await control("knobs")).json()).latencyMs, 5); // start value
      const set = await control("knobs", { fail500: 1, requestsPerMinute: 100 });
      assertEquals(set.status, 200);
      assertEquals((await set.json()).fail500, 1);
      assertEquals(standIn.knobs.requestsPerMinute, 100);

      const refused = await control("knobs", { fail500: -1, explode: true });
      assertEquals(refused.status, 400);
      assertStringIncludes((await refused.json()).error, "fail500");

      const error = await failure(
        visionFor(standIn).recognize({ kind: "image", bytes: PNG, mimeType: "image/png" }),
      );
      assertEquals(error.kind, "transient");
      const counters = await (await control("counters")).json();
      assertEquals([counters.requests, counters.serverErrors], [1, 1]); // control calls are not counted

      const reset = await (await control("reset", {})).json();
      assertEquals(
        [reset.counters.requests, reset.knobs.requestsPerMinute, reset.knobs.latencyMs],
        [0, null, 5],
      );
      assertEquals((await control("nowhere")).status, 404);
    },
  );
});

Deno.test("the OpenAI stand-in answers each pass deterministically, with usage of about chars/4", async () => {
  await withStandIn(startOpenAIStandIn({ apiKey: "sk-local" }), async (standIn) => {
    const ask = async () => {
      const body = {
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: SYSTEM_PROMPTS.clinical },
          { role: "user", content: JSON.stringify({ page: 1, text: PAGE.text, entities: [] }) },
        ],
      };
      const response = await fetch(`${standIn.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-local" },
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      const chars = SYSTEM_PROMPTS.clinical.length + body.messages[1].content.length;
      return { answer, chars };
    };
    const first = await ask();
    const second = await ask();
    assertEquals(first.answer.choices, second.answer.choices);
    const content = first.answer.choices[0].message.content;
    assertEquals(JSON.parse(content).items, [
      {
        category: "medication",
        label: "Metformin",
        details: { dose: "500 mg", instructions: "twice daily" },
        confidence: 0.9,
      },
      { category: "allergy", label: "Penicillin", details: { reaction: "hives" }, confidence: 0.9 },
    ]);
    assertEquals(first.answer.usage.prompt_tokens, Math.ceil(first.chars / 4));
    assertEquals(first.answer.usage.completion_tokens, Math.ceil(content.length / 4));
  });
});

Deno.test("the OpenAI stand-in answers only marked prompts, and checks the key", async () => {
  await withStandIn(startOpenAIStandIn({ apiKey: "sk-local" }), async (standIn) => {
    const post = (body: unknown, key = "sk-local") =>
      fetch(`${standIn.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
    const unmarked = await post({ model: "m", messages: [{ role: "user", content: "hello" }] });
    assertEquals(unmarked.status, 400);
    assertStringIncludes((await unmarked.json()).error.message, "[docjobs:<pass>]");
    const wrongKey = await post({ model: "m", messages: [{ role: "user", content: "x" }] }, "nope");
    assertEquals([wrongKey.status, (await wrongKey.json()).error.code], [401, "invalid_api_key"]);
    const wrongInput = await post({
      model: "m",
      messages: [{ role: "system", content: SYSTEM_PROMPTS.entities }, {
        role: "user",
        content: "not json",
      }],
    });
    assertEquals(wrongInput.status, 400);
    await wrongInput.body?.cancel();
  });
});

Deno.test("the Vision stand-in checks the key like Google: missing 403, wrong 400", async () => {
  await withStandIn(
    startVisionStandIn({ apiKey: "g-local", readImage: fixedOcr }),
    async (standIn) => {
      const body = JSON.stringify({
        requests: [{
          image: { content: toBase64(PNG) },
          features: [{ type: "DOCUMENT_TEXT_DETECTION" }],
        }],
      });
      const missing = await fetch(`${standIn.url}/v1/images:annotate`, { method: "POST", body });
      assertEquals([missing.status, (await missing.json()).error.status], [
        403,
        "PERMISSION_DENIED",
      ]);
      const wrong = await fetch(`${standIn.url}/v1/images:annotate?key=other`, {
        method: "POST",
        body,
      });
      assertEquals([wrong.status, (await wrong.json()).error.status], [400, "INVALID_ARGUMENT"]);
      const right = await visionFor(standIn).recognize({
        kind: "image",
        bytes: PNG,
        mimeType: "image/png",
      });
      assertEquals(right.text, "FIXED OCR TEXT");
    },
  );
});

Deno.test("files:annotate reads a page's text layer, and refuses what it cannot read", async () => {
  await withStandIn(startVisionStandIn({ readImage: fixedOcr }), async (standIn) => {
    const ocr = visionFor(standIn);
    const summary = await sample("discharge-summary.pdf");
    const page2 = await ocr.recognize({ kind: "pdf_page", pdf: summary, pageNumber: 2 });
    assertStringIncludes(page2.text, "Medication: Metformin 500 mg twice daily");
    assert(!page2.text.includes("Diagnosis:"), "only page 2");
    assertEquals(page2.confidence, 1);
    // The scanned page goes through OCR (here the fixed reader).
    const scanned = await ocr.recognize({
      kind: "pdf_page",
      pdf: await sample("scanned-referral.pdf"),
      pageNumber: 1,
    });
    assertEquals(scanned.text, "FIXED OCR TEXT");
    const outOfRange = await failure(
      ocr.recognize({ kind: "pdf_page", pdf: summary, pageNumber: 4 }),
    );
    assertEquals([outOfRange.kind, outOfRange.message], [
      "permanent",
      "google_vision: page 4: INVALID_ARGUMENT",
    ]);
    const locked = await failure(
      ocr.recognize({
        kind: "pdf_page",
        pdf: await sample("password-protected.pdf"),
        pageNumber: 1,
      }),
    );
    assertEquals(locked.kind, "permanent");
  });
});

Deno.test("the stand-in's rules: entities, items and narrative for the sample's text", () => {
  const text = "Diagnosis: Atrial fibrillation\nMedication: Warfarin 5 mg once daily\n" +
    "Treated with ceftriaxone on 2024-05-14 by Dr. Robin Placeholder.\nObservation: INR 2.6";
  assertEquals(findEntities(text), [
    { type: "condition", text: "Atrial fibrillation", confidence: 0.9 },
    { type: "medication", text: "Warfarin 5 mg once daily", confidence: 0.9 },
    { type: "medication", text: "ceftriaxone", confidence: 0.7 },
    { type: "date", text: "2024-05-14", confidence: 0.95 },
    { type: "person", text: "Dr. Robin Placeholder", confidence: 0.8 },
    { type: "observation", text: "INR 2.6", confidence: 0.9 },
  ]);
  const items = extractItems(text);
  assertEquals(items.map((i) => [i.category, i.label, i.details]), [
    ["condition", "Atrial fibrillation", {}],
    ["medication", "Warfarin", { dose: "5 mg", instructions: "once daily" }],
    ["observation", "INR", { value: "2.6" }],
  ]);
  assertEquals(
    writeNarrative([{ text: "Northside Family Clinic - Referral Note\n" + text }], items),
    {
      title: "Northside Family Clinic - Referral Note",
      narrative:
        "Northside Family Clinic - Referral Note, 1 page. Conditions: Atrial fibrillation. " +
        "Medications: Warfarin. Observations: INR.",
    },
  );
});

Deno.test("the discharge summary through the OpenAI stand-in gives the 15 items samples/README.md lists", async () => {
  await withStandIn(startOpenAIStandIn(), async (standIn) => {
    const ai = passesFor(standIn);
    const doc = await openPdf(await sample("discharge-summary.pdf"));
    const pages = [];
    const perPage = [];
    const items: ClinicalItem[] = [];
    try {
      for (let n = 1; n <= doc.pageCount; n++) {
        const page = await doc.pageText(n);
        pages.push(page);
        const entities = (await ai.detectEntities(page)).output;
        const found = (await ai.extractClinical({ ...page, entities })).output;
        perPage.push(found.length);
        items.push(...found);
      }
    } finally {
      await doc.close();
    }
    assertEquals(perPage, [5, 8, 2]);
    const count = (category: string) => items.filter((i) => i.category === category).length;
    assertEquals(
      [
        "condition",
        "allergy",
        "medication",
        "observation",
        "procedure",
        "immunization",
        "encounter",
      ].map(count),
      [3, 2, 4, 3, 1, 1, 1],
    );
    const narrative = await ai.writeNarrative({ pages, items });
    assertEquals(narrative.output.title, "Discharge Summary");
  });
});

Deno.test("tesseract's TSV gives the mean word confidence", () => {
  const tsv =
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
    "4\t1\t1\t1\t1\t0\t0\t0\t10\t10\t-1\t\n" +
    "5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t90\tMedication:\n" +
    "5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t70\tWarfarin\n" +
    "5\t1\t1\t1\t1\t3\t0\t0\t10\t10\t95\t \n";
  assertEquals(meanWordConfidence(tsv), 0.8);
  assertEquals(meanWordConfidence(tsv.split("\n")[0]), null);
});

const tesseract = await tesseractInstalled();
if (!tesseract) {
  console.warn(
    "SKIPPED: tesseract is not installed (apt-get install tesseract-ocr; scripts/setup.sh installs it)",
  );
}

Deno.test({
  name: "tesseract reads the sample scan through both stand-ins (image, and scanned PDF page)",
  ignore: !tesseract,
  async fn() {
    const png = await sample("scanned-referral.png");
    await withStandIn(startVisionStandIn(), async (standIn) => {
      const ocr = visionFor(standIn, 30_000);
      const fromImage = await ocr.recognize({ kind: "image", bytes: png, mimeType: "image/png" });
      for (
        const line of [
          "Referral Note",
          "Diagnosis: Atrial fibrillation",
          "Medication: Warfarin 5 mg once daily",
          "Allergy: Latex",
        ]
      ) {
        assertStringIncludes(fromImage.text, line);
      }
      assert(
        fromImage.confidence! > 0.7 && fromImage.confidence! <= 1,
        `confidence ${fromImage.confidence}`,
      );
      const fromPdf = await ocr.recognize({
        kind: "pdf_page",
        pdf: await sample("scanned-referral.pdf"),
        pageNumber: 1,
      });
      assertStringIncludes(fromPdf.text, "Medication: Warfarin 5 mg once daily");
    });
    await withStandIn(startOpenAIStandIn(), async (standIn) => {
      const ocr = createOpenAIVisionOcr({
        baseURL: `${standIn.url}/v1`,
        apiKey: "k",
        model: "gpt-4o-mini",
        timeoutMs: 30_000,
        rateLimit: { provider_name: "openai", api_endpoint: "gpt-4-vision" },
      }, { fetch });
      const result = await ocr.recognize({ kind: "image", bytes: png, mimeType: "image/png" });
      assertStringIncludes(result.text, "Observation: INR 2.6");
      assert(result.usage.promptTokens >= 85, "an image costs tokens");
    });
  },
});

/** Starts a stand-in module as its own process and reads its log lines. */
function spawnStandIn(module: string, env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", "deno.json", module],
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  return {
    async nextLine(): Promise<string> {
      while (!buffered.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error(`the stand-in exited; output so far: ${buffered}`);
        buffered += value;
      }
      const at = buffered.indexOf("\n");
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      return line;
    },
    async stop() {
      child.kill("SIGTERM");
      assertEquals((await child.status).code, 0);
      await lines.cancel();
    },
  };
}

Deno.test("each stand-in runs as a process: port from the environment, one log line per request", async () => {
  const openai = spawnStandIn("stack/providers/openai_standin.ts", { OPENAI_STANDIN_PORT: "0" });
  try {
    const url = /openai stand-in listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(
      await openai.nextLine(),
    )?.[1];
    assert(url, "no listening line");
    const ai = createOpenAIPasses({
      baseURL: `${url}/v1`,
      apiKey: "k",
      model: "m",
      timeoutMs: 5000,
      rateLimit: { provider_name: "openai", api_endpoint: "gpt-4o-mini" },
    }, { fetch });
    await ai.detectEntities(PAGE);
    const line = await openai.nextLine();
    assert(
      /^\S+Z openai POST \/v1\/chat\/completions -> 200 \d+ ms \(entities\)$/.test(line),
      line,
    );
    assert(!line.includes("Metformin"), "no document text in the log");
    assertEquals((await (await fetch(`${url}/_control/counters`)).json()).requests, 1);
  } finally {
    await openai.stop();
  }

  const vision = spawnStandIn("stack/providers/vision_standin.ts", {
    VISION_STANDIN_PORT: "0",
    VISION_STANDIN_API_KEY: "g-secret",
  });
  try {
    const url = /vision stand-in listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(
      await vision.nextLine(),
    )?.[1];
    assert(url, "no listening line");
    const refused = await fetch(`${url}/v1/images:annotate?key=wrong`, {
      method: "POST",
      body: "{}",
    });
    assertEquals(refused.status, 400);
    await refused.body?.cancel();
    const line = await vision.nextLine();
    assert(/^\S+Z vision POST \/v1\/images:annotate -> 400 \d+ ms$/.test(line), line);
    assert(!line.includes("wrong"), "no key in the log");
  } finally {
    await vision.stop();
  }
});
