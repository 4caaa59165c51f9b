import { createAuditLoggerDeps } from "./deps.ts";
import { createAuditLoggerHandler } from "./handler.ts";

Deno.serve(createAuditLoggerHandler(createAuditLoggerDeps(Deno.env.toObject())));
