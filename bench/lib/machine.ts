// What a result was measured on: the machine, the versions and the date, recorded with every
// result so numbers from different machines or runs are never mixed up.

export interface Machine {
  date: string;
  cores: number;
  cpu_model: string;
  memory_gib: number;
  os: string;
  deno: string;
  postgres: string | null;
}

export async function machine(postgresVersion: string | null = null): Promise<Machine> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const osRelease = await Deno.readTextFile("/etc/os-release").catch(() => "");
  const os = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(osRelease)?.[1] ?? Deno.build.os;
  return {
    date: new Date().toISOString(),
    cores: navigator.hardwareConcurrency,
    cpu_model: model,
    memory_gib: Math.round((Deno.systemMemoryInfo().total / 2 ** 30) * 10) / 10,
    os,
    deno: Deno.version.deno,
    postgres: postgresVersion,
  };
}
