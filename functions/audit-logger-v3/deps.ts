// The audit logger's real dependencies: the service-role client and the key it compares
// callers against.

import { platformEnv } from "../_shared/env.ts";
import { consoleFrameDeps } from "../_shared/handler.ts";
import { dbResult, serviceClient } from "../_shared/supabase.ts";
import type { AuditLoggerDeps } from "./handler.ts";

export function createAuditLoggerDeps(
  env: Record<string, string | undefined>,
  fetchImpl?: typeof fetch,
): AuditLoggerDeps {
  const settings = platformEnv(env);
  const db = serviceClient(settings, fetchImpl);
  return {
    ...consoleFrameDeps("audit-logger-v3"),
    serviceRoleKey: settings.SUPABASE_SERVICE_ROLE_KEY,
    async logAuditEvents(actorId, events) {
      const { data, error } = await db.rpc("log_audit_events", {
        p_actor_id: actorId,
        p_events: events,
      });
      return dbResult((data as number[] | null) ?? [], error);
    },
  };
}
