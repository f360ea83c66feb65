/**
 * The gateway to the AtlHyper Master: the four agent endpoints of master-protocol §1 over native `fetch`.
 *
 * @module
 */

export * from "./master.ts";
