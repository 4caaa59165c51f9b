// Where the CPU goes during a batch: the CPU time of each part of the local stack, read from
// /proc/<pid>/stat (user + system time), so it is measured per process and unaffected by other
// work on the machine; and how busy the whole machine was (/proc/stat), which is.
//   gateway    the gateway process: its proxy, the Storage stand-in and the Edge Functions,
//              whose invocations are worker threads of it;
//   postgrest  PostgREST;
//   postgres   the postmaster and every backend (PostgREST's pool, Storage's, the harness's
//              polling, pg_cron); a backend that exits is counted through the postmaster's
//              cutime/cstime;
//   standin    the OpenAI stand-in (the "model");
//   dispatcher the net-dispatcher (pg_net's stand-in).

import type { StackConfig } from "../../stack/config.ts";

/** USER_HZ: /proc reports times in 1/100 s on Linux. */
const TICK_MS = 10;

const SERVICES: Record<string, string> = {
  gateway: "gateway",
  postgrest: "postgrest",
  standin: "openai-standin",
  dispatcher: "net-dispatcher",
};

export type CpuSample = Record<string, number> & { machine_busy: number; machine_total: number };

interface ProcTimes {
  ppid: number;
  own: number;
  children: number;
}

function procTimes(pid: number): ProcTimes | null {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // Fields after "(comm)": state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    ppid: Number(f[1]),
    own: (Number(f[11]) + Number(f[12])) * TICK_MS,
    children: (Number(f[13]) + Number(f[14])) * TICK_MS,
  };
}

function readPid(path: string): number {
  const pid = Number(Deno.readTextFileSync(path).split("\n")[0].trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${path}`);
  return pid;
}

/** The postmaster's own, its reaped children's and its live children's CPU time. */
function postgresTimes(postmaster: number): number {
  const master = procTimes(postmaster);
  if (!master) throw new Error(`postmaster ${postmaster} is not running`);
  let total = master.own + master.children;
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === postmaster) continue;
    const p = procTimes(pid);
    if (p && p.ppid === postmaster) total += p.own;
  }
  return total;
}

/** Busy and total CPU time of the whole machine, all cores. */
function machineTimes(): { busy: number; total: number } {
  const [cpu] = Deno.readTextFileSync("/proc/stat").split("\n");
  // cpu user nice system idle iowait irq softirq steal ...
  const v = cpu.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - v[3] - v[4]) * TICK_MS, total: total * TICK_MS };
}

export function cpuSample(config: StackConfig): CpuSample {
  const out: Record<string, number> = {};
  for (const [key, name] of Object.entries(SERVICES)) {
    const times = procTimes(readPid(`${config.runDir}/${name}.pid`));
    if (!times) throw new Error(`${name} is not running`);
    out[key] = times.own;
  }
  out.postgres = postgresTimes(readPid(`${config.pgData}/postmaster.pid`));
  const machine = machineTimes();
  return { ...out, machine_busy: machine.busy, machine_total: machine.total } as CpuSample;
}

/** CPU milliseconds per part between two samples, and the machine's busy share. */
export function cpuDelta(
  before: CpuSample,
  after: CpuSample,
): { perPart: Record<string, number>; machineBusy: number } {
  const perPart: Record<string, number> = {};
  for (const key of Object.keys(before)) {
    if (key.startsWith("machine_")) continue;
    perPart[key] = after[key] - before[key];
  }
  const total = after.machine_total - before.machine_total;
  return {
    perPart,
    machineBusy: total > 0 ? (after.machine_busy - before.machine_busy) / total : NaN,
  };
}
