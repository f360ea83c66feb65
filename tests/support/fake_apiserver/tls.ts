/**
 * Certificate material for the TLS mode, generated with the `openssl` command into a temporary directory: a CA,
 * a server certificate for `127.0.0.1`/`localhost`, and a client certificate (`CN=admin, O=system:masters`).
 * Generated once per process and key type, then reused.
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
  /** A client certificate and key from a different CA, which the server must reject. */
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

async function issue(
  dir: string,
  type: KeyType,
  name: string,
  subject: string,
  ca: string,
  extensions: string,
): Promise<void> {
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
}

async function makeCa(dir: string, type: KeyType, name: string, cn: string): Promise<void> {
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
}

async function generate(type: KeyType): Promise<CertificateSet> {
  const dir = await Deno.makeTempDir({ prefix: "fake-apiserver-tls-" });
  try {
    await makeCa(dir, type, "ca", "fake-apiserver-ca");
    const keyUsage = type === "ec" ? "digitalSignature" : "digitalSignature,keyEncipherment";
    await issue(
      dir,
      type,
      "server",
      "/CN=kube-apiserver",
      "ca",
      `subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,${keyUsage}\n` +
        "basicConstraints=CA:FALSE\n",
    );
    const clientExt =
      `extendedKeyUsage=clientAuth\nkeyUsage=critical,${keyUsage}\nbasicConstraints=CA:FALSE\n`;
    await issue(dir, type, "client", "/O=system:masters/CN=admin", "ca", clientExt);
    await openssl(dir, ["pkcs8", "-topk8", "-nocrypt", "-in", "client.key", "-out", "client.pk8"]);
    await makeCa(dir, type, "other", "someone-else-ca");
    await issue(dir, type, "foreign", "/O=system:masters/CN=intruder", "other", clientExt);
    const read = (file: string) => Deno.readTextFile(`${dir}/${file}`);
    return {
      caPem: await read("ca.crt"),
      serverCertPem: await read("server.crt"),
      serverKeyPem: await read("server.key"),
      clientCertPem: await read("client.crt"),
      clientKeyPem: await read("client.key"),
      clientKeyPkcs8Pem: await read("client.pk8"),
      foreignClientCertPem: await read("foreign.crt"),
      foreignClientKeyPem: await read("foreign.key"),
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
