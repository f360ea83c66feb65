/**
 * `Status` error objects shaped like kube-apiserver's, and the error type that carries them through handlers.
 *
 * @module
 */

import type { ResourceInfo } from "./resources.ts";
import type { Obj } from "./types.ts";

/** `reason` of a failure Status for each HTTP status code the fake answers. */
const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Expired",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** Default message for a code when the caller gives none. */
const MESSAGES: Record<number, string> = {
  400: "the server rejected our request for an unknown reason",
  401: "Unauthorized",
  403: "forbidden",
  404: "the server could not find the requested resource",
  405: "the server does not allow this method on the requested resource",
  409: "the server reported a conflict",
  410: "the resource version is too old",
  422: "the server rejected our request due to an error in our request",
  429: "Too many requests, please try again later.",
  500: "Internal error occurred: injected failure",
  503: "The server is currently unable to handle the request",
  504:
    "The server was unable to return a response in the time allotted, but may still be processing the request",
};

/** A failed request: the HTTP code, the `Status` body and extra response headers. */
export class ApiError extends Error {
  /** HTTP status code. */
  readonly code: number;
  /** The `Status` object sent as body. */
  readonly status: Obj;
  /** Extra headers such as `Retry-After`. */
  readonly headers: Record<string, string>;

  /** Builds an error from a finished `Status` object. */
  constructor(code: number, status: Obj, headers: Record<string, string> = {}) {
    super(typeof status.message === "string" ? status.message : `request failed with status ${code}`);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.headers = headers;
  }
}

/** Builds a failure `Status` object. */
export function failureStatus(code: number, message: string, reason?: string, details?: Obj): Obj {
  const status: Obj = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: reason ?? REASONS[code] ?? "",
    code,
  };
  if (details) status.details = details;
  return status;
}

/** A success `Status`, as DELETE and eviction answer. */
export function successStatus(code: number, details?: Obj): Obj {
  const status: Obj = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code };
  if (details) status.details = details;
  return status;
}

/** An error for any code with the canonical reason, e.g. for fault injection. */
export function errorForCode(code: number, message?: string): ApiError {
  const headers: Record<string, string> = {};
  let details: Obj | undefined;
  if (code === 429 || code === 503) {
    headers["retry-after"] = "1";
    details = { retryAfterSeconds: 1 };
  }
  if (code === 500) details = { causes: [{ message: message ?? "injected failure" }] };
  return new ApiError(
    code,
    failureStatus(code, message ?? MESSAGES[code] ?? `status ${code}`, undefined, details),
    headers,
  );
}

function qualified(info: ResourceInfo): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

function resourceDetails(info: ResourceInfo, name: string): Obj {
  const details: Obj = { name };
  if (info.group) details.group = info.group;
  details.kind = info.plural;
  return details;
}

/** 404 `pods "x" not found`. */
export function notFound(info: ResourceInfo, name: string): ApiError {
  return new ApiError(
    404,
    failureStatus(404, `${qualified(info)} "${name}" not found`, "NotFound", resourceDetails(info, name)),
  );
}

/** 404 for a path the server does not serve. */
export function pathNotFound(): ApiError {
  return new ApiError(404, failureStatus(404, MESSAGES[404], "NotFound", {}));
}

/** 409 `pods "x" already exists`. */
export function alreadyExists(info: ResourceInfo, name: string): ApiError {
  return new ApiError(
    409,
    failureStatus(
      409,
      `${qualified(info)} "${name}" already exists`,
      "AlreadyExists",
      resourceDetails(info, name),
    ),
  );
}

/** 409 Conflict on a stale `resourceVersion`. */
export function conflict(info: ResourceInfo, name: string): ApiError {
  const message =
    `Operation cannot be fulfilled on ${qualified(info)} "${name}": the object has been modified; ` +
    "please apply your changes to the latest version and try again";
  return new ApiError(409, failureStatus(409, message, "Conflict", resourceDetails(info, name)));
}

/** One field error of an `Invalid` Status. */
export interface FieldCause {
  /** `FieldValueRequired`, `FieldValueInvalid`, `FieldValueForbidden`, ... */
  reason: string;
  /** Human-readable text, e.g. `Required value: name or generateName is required`. */
  message: string;
  /** Field path such as `metadata.name`. */
  field: string;
}

/** 422 `Pod "x" is invalid: field: message`. */
export function invalid(kind: string, name: string, causes: FieldCause[], group = ""): ApiError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  const what = group ? `${kind}.${group}` : kind;
  const details: Obj = { name, kind, causes };
  if (group) details.group = group;
  const message = causes.length > 1
    ? `${what} "${name}" is invalid: [${text}]`
    : `${what} "${name}" is invalid: ${text}`;
  return new ApiError(422, failureStatus(422, message, "Invalid", details));
}

/** 400 BadRequest with a message. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, failureStatus(400, message, "BadRequest"));
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(): ApiError {
  return new ApiError(405, failureStatus(405, MESSAGES[405], "MethodNotAllowed", {}));
}

/** 401 Unauthorized. */
export function unauthorized(): ApiError {
  return new ApiError(401, failureStatus(401, "Unauthorized", "Unauthorized"));
}

/** 403 Forbidden with a message like RBAC's. */
export function forbidden(
  info: ResourceInfo,
  subresource: string,
  verb: string,
  user: string,
  namespace: string,
  name: string,
): ApiError {
  const resource = subresource ? `${info.plural}/${subresource}` : info.plural;
  const scope = namespace ? `in the namespace "${namespace}"` : "at the cluster scope";
  const target = name ? `${qualified(info)} "${name}"` : qualified(info);
  const message =
    `${target} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group ` +
    `"${info.group}" ${scope}`;
  const details: Obj = {};
  if (name) details.name = name;
  if (info.group) details.group = info.group;
  details.kind = info.plural;
  return new ApiError(403, failureStatus(403, message, "Forbidden", details));
}

/** 410 Expired, as LIST answers an outdated `continue` token. */
export function expired(message: string, continueToken?: string): ApiError {
  const status = failureStatus(410, message, "Expired");
  if (continueToken) status.metadata = { continue: continueToken };
  return new ApiError(410, status);
}

/** 429 TooManyRequests with `Retry-After`. */
export function tooManyRequests(message: string, retryAfterSeconds: number, details?: Obj): ApiError {
  return new ApiError(
    429,
    failureStatus(429, message, "TooManyRequests", { ...details, retryAfterSeconds }),
    { "retry-after": String(retryAfterSeconds) },
  );
}

/** 500 InternalError. */
export function internalError(message: string): ApiError {
  return new ApiError(
    500,
    failureStatus(500, `Internal error occurred: ${message}`, "InternalError", { causes: [{ message }] }),
  );
}
