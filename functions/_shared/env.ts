// The environment every function reads, checked once with zod so a missing setting is named
// at the first request instead of failing somewhere deep.

import { z } from "zod";

const PlatformEnv = z.object({
  SUPABASE_URL: z.string().url(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
});

export type PlatformEnv = z.infer<typeof PlatformEnv>;

export function platformEnv(env: Record<string, string | undefined>): PlatformEnv {
  const parsed = PlatformEnv.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
    throw new Error(`missing or invalid environment: ${names}`);
  }
  return parsed.data;
}
