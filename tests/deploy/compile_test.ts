/**
 * `deno task compile` (deploy/compile.ts): the command it runs, and that it exits non-zero whenever nothing was
 * built — unless `--allow-skip` accepts exactly the offline case. `deno compile` itself is replaced by a recorded
 * runner: the real one needs Deno's download server, which CI cannot reach.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  compileAgent,
  CompileUsageError,
  type DenoRunner,
  parseCompileArgs,
  startFlags,
} from "../../deploy/compile.ts";

/** The stderr of `deno compile` 2.9.6 on a machine without DNS (abridged from a real run). */
const OFFLINE_STDERR = "Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip\n" +
  "error: Writing deno compile executable to temporary file 'dist/atlhyper-agent.tmp-1'\n\nCaused by:\n" +
  "    0: Setting up base binary.\n    1: error sending request for url (https://dl.deno.land/release/v2.9.6/" +
  "denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information";

function recorder(answer: { code: number; stderr: string }) {
  const calls: { args: string[]; cwd: string }[] = [];
  const run: DenoRunner = (args, cwd) => {
    calls.push({ args, cwd });
    return Promise.resolve(answer);
  };
  const lines: string[] = [];
  return { calls, run, lines, log: (line: string) => lines.push(line) };
}

Deno.test("compile runs deno compile --frozen with exactly the start task's flags", async () => {
  const { calls, run, lines, log } = recorder({ code: 0, stderr: "" });
  assert.equal(await compileAgent(parseCompileArgs(["--output", "/app/atlhyper-agent"]), run, log), 0);
  assert.equal(calls.length, 1);
  const { args, cwd } = calls[0];
  assert.deepEqual(args.slice(0, 2), ["compile", "--frozen"]);
  // Between `--frozen` and `--output`: the start task's permissions and V8 settings, nothing else.
  assert.deepEqual(args.slice(2, -3), await startFlags());
  assert.deepEqual(args.slice(-3, -1), ["--output", "/app/atlhyper-agent"]);
  assert.equal(args.at(-1), `${cwd}agent/main.ts`);
  assert.match(lines.at(-1) ?? "", /^compiled \/app\/atlhyper-agent$/);
});

Deno.test("compile exits 1 when the runtime cannot be downloaded, and says how to accept the skip", async () => {
  const { run, lines, log } = recorder({ code: 1, stderr: OFFLINE_STDERR });
  assert.equal(await compileAgent(parseCompileArgs([]), run, log), 1);
  assert.match(lines.at(-1) ?? "", /^NOT BUILT: .*--allow-skip/);
  assert.ok(lines.some((line) => line.includes("dns error")), "deno compile's own error is shown");
});

Deno.test("--allow-skip accepts the offline case only, with SKIPPED", async () => {
  const offline = recorder({ code: 1, stderr: OFFLINE_STDERR });
  assert.equal(await compileAgent(parseCompileArgs(["--allow-skip"]), offline.run, offline.log), 0);
  assert.match(offline.lines.at(-1) ?? "", /^SKIPPED \(--allow-skip\): nothing was built/);

  // A real build failure (a type error, an outdated lock file) fails even with --allow-skip.
  const broken = recorder({ code: 1, stderr: "error: The lockfile is out of date. Run `deno install`" });
  assert.equal(await compileAgent(parseCompileArgs(["--allow-skip"]), broken.run, broken.log), 1);
  assert.ok(!broken.lines.some((line) => /SKIPPED/.test(line)));
  const crashed = recorder({ code: 101, stderr: "TS2322 [ERROR]: Type 'string' is not assignable" });
  assert.equal(await compileAgent(parseCompileArgs(["--allow-skip"]), crashed.run, crashed.log), 101);
});

Deno.test("compile arguments: --output PATH, --output=PATH, --allow-skip; anything else is refused", () => {
  assert.deepEqual(parseCompileArgs([]), { output: "dist/atlhyper-agent", allowSkip: false });
  assert.deepEqual(parseCompileArgs(["--output=x", "--allow-skip"]), { output: "x", allowSkip: true });
  assert.throws(() => parseCompileArgs(["--output"]), CompileUsageError);
  assert.throws(() => parseCompileArgs(["--skip"]), CompileUsageError);
});

Deno.test("the deploy README lists the flags the binary is compiled with, and no other", async () => {
  const readme = await Deno.readTextFile(new URL("../../deploy/README.md", import.meta.url));
  const section = /## Image[\s\S]*?(?=\n## )/.exec(readme)?.[0] ?? "";
  assert.ok(section, "deploy/README.md has an Image section");
  const flags = await startFlags();
  for (const flag of flags) {
    // The env list is long; the README shows `--allow-env=<list>` and says where the list lives.
    const shown = flag.startsWith("--allow-env=") ? "--allow-env=<list>" : flag;
    assert.ok(section.includes(`\`${shown}\``), `deploy/README.md does not list ${shown}`);
  }
  const listed = [...section.matchAll(/`(--(?:allow|deny)-[a-z-]+)(=[^`]*)?`/g)].map((m) => m[1]);
  const compiled = new Set(flags.map((flag) => flag.split("=")[0]));
  for (const flag of listed) {
    assert.ok(
      compiled.has(flag) || flag === "--allow-run" || flag === "--allow-write" || flag === "--allow-ffi",
      `deploy/README.md lists ${flag}, which the build does not use`,
    );
  }
  assert.doesNotMatch(section, /--allow-read=/, "the build grants --allow-read without a path list");
});

/** Whether `.dockerignore` keeps `path` out of the build context (Docker's rule: the last matching line wins). */
function ignored(rules: string[], path: string): boolean {
  let excluded = false;
  for (const rule of rules) {
    const negated = rule.startsWith("!");
    const pattern = (negated ? rule.slice(1) : rule).replace(/^\/|\/$/g, "");
    const source = pattern.split("**/").map((part) =>
      part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")
    )
      .join("(?:.*/)?");
    if (new RegExp(`^${source}(?:/.*)?$`).test(path)) excluded = !negated;
  }
  return excluded;
}

Deno.test("the Docker build context holds every file the Dockerfile copies", async () => {
  const root = new URL("../../", import.meta.url);
  const dockerfile = await Deno.readTextFile(new URL("deploy/Dockerfile", root));
  const rules = (await Deno.readTextFile(new URL(".dockerignore", root))).split("\n")
    .map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
  assert.ok(
    ignored(rules, "tests/e2e/demo_test.ts") && ignored(rules, "deploy/README.md"),
    "the matcher works",
  );
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)]
    .flatMap((m) => m[1].trim().split(/\s+/).slice(0, -1));
  assert.ok(copied.includes("deploy/compile.ts"), "the build stage runs deploy/compile.ts");
  for (const path of copied) {
    const clean = path.replace(/\/$/, "");
    assert.ok(!ignored(rules, clean), `.dockerignore excludes ${path}, which the Dockerfile copies`);
    await Deno.stat(new URL(clean, root));
  }
});
