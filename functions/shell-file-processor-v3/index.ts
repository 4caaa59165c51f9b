import { createIntakeDeps } from "./deps.ts";
import { createIntakeHandler } from "./handler.ts";

Deno.serve(createIntakeHandler(createIntakeDeps(Deno.env.toObject())));
