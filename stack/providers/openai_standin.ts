// A local stand-in for OpenAI's chat completions API, for tests and the offline demo:
//
//   POST /v1/chat/completions
//
// It tells the pass from the marker our prompts start with (prompts.ts) and answers
// deterministically: the AI passes through clinical_rules.ts, OCR (an image part) through
// tesseract. Usage is reported as about 4 characters per token, plus 85 per image.
// Answers and errors have OpenAI's shapes, behind the shared knobs and counters of
// standin_server.ts. Run as a process: OPENAI_STANDIN_PORT=<port>
// [OPENAI_STANDIN_API_KEY=<key>] deno run -A stack/providers/openai_standin.ts

import { z } from "zod";
import { fromBase64 } from "../../functions/_shared/base64.ts";
import {
  ClinicalInput,
  EntitiesInput,
  NarrativeInput,
  type Pass,
  passOf,
} from "../../functions/_shared/providers/prompts.ts";
import { extractItems, findEntities, writeNarrative } from "./clinical_rules.ts";
import {
  type Knobs,
  type MalformedMode,
  type Reply,
  runStandInProcess,
  serveStandIn,
  type StandIn,
} from "./standin_server.ts";
import { type ReadImage, readWithTesseract, TesseractMissing } from "./tesseract.ts";

export interface OpenAIStandInOptions {
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <key>`. */
  apiKey?: string;
  knobs?: Partial<Knobs>;
  now?: () => number;
  log?: (line: string) => void;
  /** Default: tesseract. */
  readImage?: ReadImage;
}

/** What OpenAI counts for one image at low detail; a plausible figure for any image here. */
const IMAGE_TOKENS = 85;

const Part = z.union([
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string() }) }),
]);
const ChatRequest = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({
    role: z.string(),
    content: z.union([z.string(), z.array(Part), z.null()]),
  })).min(1),
});
type Message = z.infer<typeof ChatRequest>["messages"][number];

const DATA_URL_RE = /^data:([\w/+.-]+);base64,(.+)$/s;

function apiError(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function badRequest(message: string, code: string | null = null): Reply {
  return { status: 400, body: apiError(message, "invalid_request_error", code) };
}

function textOf(message: Message): string {
  if (typeof message.content === "string") return message.content;
  if (!message.content) return "";
  return message.content.map((p) => (p.type === "text" ? p.text : "")).join("\n");
}

function imagesOf(messages: Message[]): string[] {
  return messages.flatMap((m) =>
    Array.isArray(m.content)
      ? m.content.flatMap((p) => (p.type === "image_url" ? [p.image_url.url] : []))
      : []
  );
}

const tokens = (chars: number) => Math.ceil(chars / 4);

/** The pass's answer, as the JSON text a model would write. */
function passAnswer(pass: Exclude<Pass, "ocr">, input: unknown): string | null {
  if (pass === "entities") {
    const parsed = EntitiesInput.safeParse(input);
    return parsed.success ? JSON.stringify({ entities: findEntities(parsed.data.text) }) : null;
  }
  if (pass === "clinical") {
    const parsed = ClinicalInput.safeParse(input);
    return parsed.success ? JSON.stringify({ items: extractItems(parsed.data.text) }) : null;
  }
  const parsed = NarrativeInput.safeParse(input);
  return parsed.success
    ? JSON.stringify(writeNarrative(parsed.data.pages, parsed.data.items))
    : null;
}

export function startOpenAIStandIn(options: OpenAIStandInOptions = {}): StandIn {
  const readImage = options.readImage ?? readWithTesseract;
  const now = options.now ?? Date.now;
  let sequence = 0;

  async function answer(req: Request, url: URL, malformed: MalformedMode | null): Promise<Reply> {
    if (req.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
      return {
        status: 404,
        body: apiError(
          `no route ${req.method} ${url.pathname}`,
          "invalid_request_error",
          "not_found",
        ),
      };
    }
    if (
      options.apiKey !== undefined &&
      req.headers.get("authorization") !== `Bearer ${options.apiKey}`
    ) {
      return {
        status: 401,
        body: apiError("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
      };
    }
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return badRequest("the body is not JSON");
    }
    const parsed = ChatRequest.safeParse(body);
    if (!parsed.success) return badRequest("not a chat completions request");
    const { model, messages } = parsed.data;
    const system = messages.find((m) => m.role === "system" || m.role === "developer");
    const images = imagesOf(messages);
    const pass = passOf(system ? textOf(system) : "") ?? (images.length ? "ocr" : null);
    if (!pass) {
      return badRequest("the stand-in answers only docjobs prompts: no [docjobs:<pass>] marker");
    }

    let content: string | null;
    if (pass === "ocr") {
      const image = DATA_URL_RE.exec(images[0] ?? "");
      if (!image) return badRequest("the OCR pass needs an image part with a base64 data: URL");
      try {
        content = (await readImage(fromBase64(image[2]))).text;
      } catch (error) {
        if (error instanceof TesseractMissing) return badRequest(error.message, "ocr_unavailable");
        return badRequest("the image could not be read", "invalid_image");
      }
      // Plain-text output cannot be "not JSON"; the broken answer is a missing content.
      if (malformed) content = null;
    } else {
      const user = messages.findLast((m) => m.role === "user");
      let input: unknown;
      try {
        input = JSON.parse(user ? textOf(user) : "");
      } catch {
        return badRequest(`the ${pass} pass expects its input as JSON in the user message`);
      }
      content = passAnswer(pass, input);
      if (content === null) return badRequest(`the user message is not the ${pass} pass's input`);
      if (malformed === "invalid_json") content = `{"${pass}": [`;
      if (malformed === "schema") content = JSON.stringify({ unexpected: pass });
    }

    const promptTokens = tokens(messages.reduce((n, m) => n + textOf(m).length, 0)) +
      IMAGE_TOKENS * images.length;
    const completionTokens = Math.max(1, tokens((content ?? "").length));
    sequence++;
    return {
      status: 200,
      body: {
        id: `chatcmpl-standin-${sequence}`,
        object: "chat.completion",
        created: Math.floor(now() / 1000),
        model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
        },
      },
      promptTokens,
      completionTokens,
      note: pass,
    };
  }

  return serveStandIn({
    name: "openai",
    answer,
    errorBody: (status, message) =>
      status === 429
        ? apiError(message, "requests", "rate_limit_exceeded")
        : apiError(message, "server_error", null),
  }, options);
}

if (import.meta.main) runStandInProcess("openai stand-in", "OPENAI_STANDIN", startOpenAIStandIn);
