import assert from "node:assert/strict";
import { isSensitiveEnvName } from "../../../agent/repository/converters/mod.ts";

Deno.test("isSensitiveEnvName() matches credential-like names case-insensitively", () => {
  for (
    const name of [
      "DB_PASSWORD",
      "db_passwd",
      "CLIENT_SECRET",
      "GITHUB_TOKEN",
      "ApiKey",
      "STRIPE_API_KEY",
      "AWS_ACCESS_KEY_ID",
      "SSH_PRIVATE_KEY",
      "GOOGLE_APPLICATION_CREDENTIALS",
      "BASIC_AUTH",
    ]
  ) assert.ok(isSensitiveEnvName(name), name);
  for (const name of ["LOG_LEVEL", "PORT", "DB_HOST", "GREETING", "PATH"]) {
    assert.ok(!isSensitiveEnvName(name), name);
  }
});
