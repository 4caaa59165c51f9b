// The local stack's control routes, for the fault tests and the soak: the provider
// stand-ins' knobs and counters (stack/providers/standin_server.ts) and the gateway's fault
// rules (stack/faults.ts).

import type { Counters } from "../../stack/providers/standin_server.ts";
import type { FaultRule, FaultRuleInput } from "../../stack/faults.ts";
import type { StackPorts } from "../../stack/config.ts";

export type StandInName = "openai" | "vision";

async function call(url: string, what: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export function standIns(ports: Pick<StackPorts, "openaiStandin" | "visionStandin">) {
  const control = (name: StandInName, route: string, init?: RequestInit) =>
    call(
      `http://127.0.0.1:${name === "openai" ? ports.openaiStandin : ports.visionStandin}/_control/${route}`,
      `${name} stand-in ${route}`,
      init,
    );
  return {
    counters: (name: StandInName) => control(name, "counters") as Promise<Counters>,
    /** Counters to zero, knobs back to their start values. */
    reset: (name: StandInName) => control(name, "reset", { method: "POST" }).then(() => {}),
    setKnobs: (name: StandInName, knobs: Record<string, unknown>) =>
      control(name, "knobs", { method: "POST", body: JSON.stringify(knobs) }).then(() => {}),
  };
}

export function faultRules(gatewayUrl: string, serviceRoleKey: string) {
  const control = (init: RequestInit = {}) =>
    call(`${gatewayUrl}/_stack/faults`, "fault rules", {
      ...init,
      headers: { authorization: `Bearer ${serviceRoleKey}`, "content-type": "application/json" },
    }) as Promise<{ rules: FaultRule[] }>;
  return {
    add: async (rules: FaultRuleInput | FaultRuleInput[]) =>
      (await control({ method: "POST", body: JSON.stringify(rules) })).rules,
    list: async () => (await control()).rules,
    clear: () => control({ method: "DELETE" }).then(() => {}),
  };
}
