import { loadConfig, repoRoot } from "./config.ts";
const config = loadConfig(repoRoot());
Deno.serve({ hostname: "127.0.0.1", port: config.ports.gateway }, (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/_stack/health") return Response.json({ ok: true });
  return new Response("not found", { status: 404 });
});
