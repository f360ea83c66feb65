import assert from "node:assert/strict";
import { redactUrl } from "../agent/agent.ts";

Deno.test("redactUrl() strips credentials from the Master URL before it is logged", () => {
  assert.equal(redactUrl("https://user:s3cret@master.example:8443/base"), "https://master.example:8443/base");
  assert.equal(redactUrl("http://token@master:8081"), "http://master:8081/");
  assert.equal(
    redactUrl("http://localhost:8081"),
    "http://localhost:8081",
    "a URL without userinfo is unchanged",
  );
  assert.equal(redactUrl("not a url"), "(unparsable URL)", "never echo what could not be parsed");
});
