import { Agent } from "../../agent/agent.ts";
import { loadConfig, readEnv, SETTINGS } from "../../agent/config.ts";
const rss = () =>
  Math.round(Number(Deno.readTextFileSync("/proc/self/status").match(/VmRSS:\s+(\d+)/)![1]) / 1024);
const mu = () => {
  const m = Deno.memoryUsage();
  return `heap ${Math.round(m.heapUsed / 1048576)}/${Math.round(m.heapTotal / 1048576)} ext ${
    Math.round(m.external / 1048576)
  }`;
};
const config = loadConfig(readEnv(SETTINGS.map((s) => s.env)));
console.log("start", rss(), mu());
const agent = await Agent.create(config, {
  logger: () => ({ debug() {}, info() {}, warn() {}, error() {} }),
});
agent.informers.start();
const t0 = performance.now();
await agent.informers.ready({ timeoutMs: 120000 });
console.log("synced", (performance.now() - t0).toFixed(0), "ms rss", rss(), mu());
let t = performance.now();
agent.snapshots.build();
console.log("first build", (performance.now() - t).toFixed(0), "ms rss", rss(), mu());
(globalThis as any).gc?.();
await new Promise((r) => setTimeout(r, 200));
console.log("after gc", rss(), mu());
await new Promise((r) => setTimeout(r, 5000));
console.log("5s later", rss(), mu());
await agent.stop();
