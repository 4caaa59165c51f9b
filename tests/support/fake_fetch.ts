// A fetch for adapter tests: records what was asked and answers from a script, so no test
// reaches the network.

export interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

export function fakeFetch(
  respond: (call: Call, index: number) => Response | Promise<Response>,
): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const call = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: await request.text(),
    };
    calls.push(call);
    return respond(call, calls.length - 1);
  };
  return { fetch, calls };
}

export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A fetch that never answers; it rejects when its signal aborts, as fetch does. */
export const hangingFetch: typeof fetch = (_input, init) =>
  new Promise((_resolve, reject) => {
    init?.signal?.addEventListener(
      "abort",
      () => reject(new DOMException("aborted", "AbortError")),
    );
  });

/** A fetch whose connection fails. */
export const failingFetch: typeof fetch = () =>
  Promise.reject(new TypeError("error sending request: connection refused"));
