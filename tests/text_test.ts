import assert from "node:assert/strict";
import { bounded, quote, withoutUserinfo } from "../agent/text.ts";
import { formatBytes, readLimited } from "../agent/http.ts";

Deno.test("bounded() and quote() cut remote input to a few hundred characters and note its size", () => {
  assert.equal(bounded("short"), "short");
  assert.equal(bounded("x".repeat(300)), `${"x".repeat(200)}… (300 chars)`);
  assert.equal(bounded("a\nb\u0000c"), "a?b?c");
  assert.equal(quote("web"), '"web"');
  assert.equal(quote('say "hi"'), '"say \\"hi\\""');
  assert.equal(quote("line\nforged"), '"line?nforged"'.replace("?n", "\\n"));
  const huge = quote("A".repeat(1 << 20));
  assert.equal(huge, `"${"A".repeat(200)}…" (1048576 chars)`);
});

Deno.test("withoutUserinfo() masks credentials in URLs", () => {
  assert.equal(withoutUserinfo("http://agent:s3cret@master:8081/x"), "http://***@master:8081/x");
  assert.equal(withoutUserinfo("https://token@host"), "https://***@host");
  assert.equal(withoutUserinfo("http://master:8081/?mail=a@b"), "http://master:8081/?mail=a@b");
});

Deno.test("readLimited() stops at the byte cap without splitting a character", async () => {
  const text = "é".repeat(10); // 20 bytes
  const whole = await readLimited(new Response(text), 20);
  assert.deepEqual(whole, { text, truncated: false });
  const cut = await readLimited(new Response(text), 7);
  assert.deepEqual(cut, { text: "ééé", truncated: true });
  const emoji = await readLimited(new Response("ab😀cd"), 4);
  assert.deepEqual(emoji, { text: "ab", truncated: true });
  assert.deepEqual(await readLimited(new Response(null), 5), { text: "", truncated: false });
  assert.equal(formatBytes(2 * 1024 * 1024), "2 MiB");
  assert.equal(formatBytes(64 * 1024), "64 KiB");
  assert.equal(formatBytes(100), "100 bytes");
});
