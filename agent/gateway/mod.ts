/**
 * The gateway to the AtlHyper Master: the four agent endpoints of master-protocol §1 over native `fetch`
 * (`client.ts`), their wire formats (`codec.ts`) and the errors a request can end with (`errors.ts`).
 *
 * @module
 */

export * from "./client.ts";
export * from "./codec.ts";
export * from "./errors.ts";
