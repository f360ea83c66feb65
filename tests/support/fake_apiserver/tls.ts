/**
 * Certificate material for the TLS mode, generated with the `openssl` command into a temporary directory: a CA,
 * a server certificate for `127.0.0.1`/`localhost`, and a client certificate (`CN=admin, O=system:masters`).
 * Generated once per process and key type, then reused. The openssl steps are exported for tests that need a
 * PKI of their own.
 *
 * @module
 */

/** Key algorithm of generated keys. */
export type KeyType = "ec" | "rsa";

/** PEM material of one CA and the certificates it signed. */
export interface CertificateSet {
  /** CA certificate. */
  caPem: string;
  /** Server certificate (SAN IP:127.0.0.1, DNS:localhost). */
  serverCertPem: string;
  /** Server key. */
  serverKeyPem: string;
  /** Client certificate signed by the CA. */
  clientCertPem: string;
  /** Client key in its traditional form (SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). */
  clientKeyPem: string;
  /** The same client key as PKCS#8 (`PRIVATE KEY`). */
  clientKeyPkcs8Pem: string;
  /** A CA that signed neither the server's nor the client's certificate. */
  foreignCaPem: string;
  /** A client certificate and key from that other CA, which the server must reject. */
  foreignClientCertPem: string;
  /** Key of {@linkcode CertificateSet.foreignClientCertPem}. */
  foreignClientKeyPem: string;
}

const cache = new Map<KeyType, Promise<CertificateSet>>();

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

function keyArgs(type: KeyType, out: string): string[] {
  return type === "ec"
    ? ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", out]
    : ["genrsa", "-traditional", "-out", out, "2048"];
}

/** Options of {@linkcode issueCertificate}. */
export interface IssueOptions {
  /** Key algorithm of the new key. */
  type: KeyType;
  /** Base name of the files written in the folder (`<name>.key`, `<name>.crt`). */
  name: string;
  /** Subject, e.g. `/O=system:masters/CN=admin`. */
  subject: string;
  /** Base name of the signing CA's files (made by {@linkcode makeCa} in the same folder). */
  ca: string;
  /** The `-extfile` content: see {@linkcode serverExtensions} and {@linkcode clientExtensions}. */
  extensions: string;
}

/** A certificate and its key, PEM as openssl wrote them. */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

/** Makes a key and a certificate signed by `options.ca` in `dir`; returns both. */
export async function issueCertificate(dir: string, options: IssueOptions): Promise<IssuedCertificate> {
  const { type, name, subject, ca, extensions } = options;
  await openssl(dir, keyArgs(type, `${name}.key`));
  await openssl(dir, ["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`]);
  await Deno.writeTextFile(`${dir}/${name}.ext`, extensions);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-sha256",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`,
  ]);
  return {
    certPem: await Deno.readTextFile(`${dir}/${name}.crt`),
    keyPem: await Deno.readTextFile(`${dir}/${name}.key`),
  };
}

/** Makes a self-signed CA (`<options.name>.key`, `<options.name>.crt`) in `dir`; returns its certificate. */
export async function makeCa(
  dir: string,
  options: { type: KeyType; name: string; cn: string },
): Promise<string> {
  const { type, name, cn } = options;
  await openssl(dir, keyArgs(type, `${name}.key`));
  await openssl(dir, [
    "req",
    "-x509",
    "-new",
    "-key",
    `${name}.key`,
    "-sha256",
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    "-out",
    `${name}.crt`,
  ]);
  return await Deno.readTextFile(`${dir}/${name}.crt`);
}

/** Converts `<name>.key` in `dir` to PKCS#8 (`<name>.pk8`); returns the PEM. */
export async function toPkcs8(dir: string, name: string): Promise<string> {
  await openssl(dir, ["pkcs8", "-topk8", "-nocrypt", "-in", `${name}.key`, "-out", `${name}.pk8`]);
  return await Deno.readTextFile(`${dir}/${name}.pk8`);
}

function keyUsage(type: KeyType): string {
  return type === "ec" ? "digitalSignature" : "digitalSignature,keyEncipherment";
}

/** Extensions of a server certificate for `subjectAltName` (default `IP:127.0.0.1,DNS:localhost`). */
export function serverExtensions(type: KeyType, subjectAltName = "IP:127.0.0.1,DNS:localhost"): string {
  return `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,${
    keyUsage(type)
  }\n` +
    "basicConstraints=CA:FALSE\n";
}

/** Extensions of a client certificate. */
export function clientExtensions(type: KeyType): string {
  return `extendedKeyUsage=clientAuth\nkeyUsage=critical,${keyUsage(type)}\nbasicConstraints=CA:FALSE\n`;
}

async function generate(type: KeyType): Promise<CertificateSet> {
  const dir = await Deno.makeTempDir({ prefix: "fake-apiserver-tls-" });
  try {
    const caPem = await makeCa(dir, { type, name: "ca", cn: "fake-apiserver-ca" });
    const server = await issueCertificate(dir, {
      type,
      name: "server",
      subject: "/CN=kube-apiserver",
      ca: "ca",
      extensions: serverExtensions(type),
    });
    const client = await issueCertificate(dir, {
      type,
      name: "client",
      subject: "/O=system:masters/CN=admin",
      ca: "ca",
      extensions: clientExtensions(type),
    });
    const foreignCaPem = await makeCa(dir, { type, name: "other", cn: "someone-else-ca" });
    const foreign = await issueCertificate(dir, {
      type,
      name: "foreign",
      subject: "/O=system:masters/CN=intruder",
      ca: "other",
      extensions: clientExtensions(type),
    });
    return {
      caPem,
      serverCertPem: server.certPem,
      serverKeyPem: server.keyPem,
      clientCertPem: client.certPem,
      clientKeyPem: client.keyPem,
      clientKeyPkcs8Pem: await toPkcs8(dir, "client"),
      foreignCaPem,
      foreignClientCertPem: foreign.certPem,
      foreignClientKeyPem: foreign.keyPem,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Returns the certificate set for `type`, generating it on first use in this process. */
export function certificates(type: KeyType = "ec"): Promise<CertificateSet> {
  let pending = cache.get(type);
  if (!pending) {
    pending = generate(type);
    cache.set(type, pending);
    pending.catch(() => cache.delete(type));
  }
  return pending;
}
