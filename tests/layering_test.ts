/**
 * The layering rules of docs/architecture.md, checked on the import statements of `agent/`: a folder reaches
 * another folder only through that folder's `mod.ts`, and a lower layer never imports an upper one.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const AGENT = fileURLToPath(new URL("../agent/", import.meta.url));

/** Layer rank of each folder: imports may only point to a lower rank (same rank: not at all). */
const RANK: Readonly<Record<string, number>> = {
  sdk: 0,
  gateway: 0,
  informer: 1,
  repository: 2,
  service: 3,
  scheduler: 4,
  observability: 5,
};

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** Relative specifiers of every static import and re-export of a file. */
function relativeImports(text: string): string[] {
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/g)].map((m) => m[1]);
}

/** The top folder of `agent/` a path is in, or `undefined` for the files at the top of `agent/`. */
function folderOf(path: string): string | undefined {
  const parts = relative(AGENT, path).split("/");
  return parts.length > 1 ? parts[0] : undefined;
}

async function violations(): Promise<string[]> {
  const found: string[] = [];
  for await (const file of sources(AGENT)) {
    const from = folderOf(file);
    for (const specifier of relativeImports(await Deno.readTextFile(file))) {
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(AGENT)) continue; // model/ is importable from anywhere
      const to = folderOf(target);
      if (to === undefined || to === from) continue;
      const where = `${relative(AGENT, file)} → ${relative(AGENT, target)}`;
      if (!target.endsWith("/mod.ts")) found.push(`${where}: not through mod.ts`);
      if (from !== undefined && !(RANK[from] > RANK[to])) {
        found.push(`${where}: ${from} may not import ${to}`);
      }
    }
  }
  return found.sort();
}

Deno.test("agent/ folders import each other only through mod.ts, and only downwards", async () => {
  assert.deepEqual(await violations(), []);
});

Deno.test("the import scan sees imports that span several lines", () => {
  const text = 'import {\n  a,\n  b,\n} from "../sdk/errors.ts";\nexport * from "./x.ts";\nimport "npm:y";\n';
  assert.deepEqual(relativeImports(text), ["../sdk/errors.ts", "./x.ts"]);
});
