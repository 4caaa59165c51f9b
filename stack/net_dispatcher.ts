// The net dispatcher process: the local stand-in for pg_net's background worker. Started
// detached by `stack start`; its stdout is .stack/<instance>/logs/net-dispatcher.log.

import { loadConfig, repoRoot } from "./config.ts";
import { socketConnection } from "./instance.ts";
import { Dispatcher } from "./net/dispatcher.ts";
import { sendRequest } from "./net/send.ts";
import { netSettings } from "./net/settings.ts";
import { postgresStore } from "./net/store.ts";

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

let config, settings;
try {
  config = loadConfig(repoRoot());
  settings = netSettings(Deno.env.toObject());
} catch (error) {
  console.error(`net-dispatcher: ${(error as Error).message}`);
  Deno.exit(1);
}

// Notifications wake the dispatcher, which is built after the store it uses.
let wake = () => {};
const store = postgresStore(
  {
    ...socketConnection(config, "supabase_admin"),
    connection: { application_name: "net-dispatcher" },
  },
  () => wake(),
);
const dispatcher = new Dispatcher({
  store,
  send: (row, shutdown) => sendRequest(row, { fetch }, shutdown),
  log,
  settings,
});
wake = () => dispatcher.wake();

const onSignal = () => {
  dispatcher.stop().finally(() => {
    log("stopped");
    Deno.exit(0);
  });
};
Deno.addSignalListener("SIGTERM", onSignal);
Deno.addSignalListener("SIGINT", onSignal);

log(
  `started for instance ${config.instance}: responses kept ${settings.ttlSeconds} s, polling every ${settings.pollMs} ms`,
);
await dispatcher.run();
