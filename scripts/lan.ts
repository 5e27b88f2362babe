/**
 * LAN mode (`laissez up --lan ADDRESS`): phones on the same network reach the wallet, the
 * checkpoint pages and the issuers over https, which the wallet needs (a secure context for its
 * keys and camera). A certificate authority made here, for this run only, signs one certificate
 * for ADDRESS; the phone installs the CA (its certificate is served over plain http — it is
 * public — and shown as a QR code) and then trusts every page. The services themselves keep
 * listening on 127.0.0.1: a TLS front on ADDRESS, one per service port, passes each connection
 * through. Nothing listens on ADDRESS unless asked; the chain never does.
 */
// @peculiar/x509's dependency injection (tsyringe) needs the Reflect metadata API first.
import "reflect-metadata";
import { createHash, webcrypto } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { connect, isIP, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface LanCertificates {
  /** The CA's certificate (PEM): what a phone installs. */
  readonly caPem: string;
  /** The server certificate for the address (PEM) and its private key (PKCS#8 PEM). */
  readonly certPem: string;
  readonly keyPem: string;
  /** base64 SHA-256 of the server certificate's public key (Chromium's --ignore-certificate-errors-spki-list). */
  readonly spki: string;
}

const pem = (label: string, der: ArrayBuffer): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END ${label}-----\n`;

/** A CA valid for 30 days and a certificate for `address` (an IP address) it signs; nothing is written here. */
export async function lanCertificates(address: string, now = new Date()): Promise<LanCertificates> {
  if (!isIP(address))
    throw new Error(
      `--lan needs this machine's IP address on the network (e.g. 192.168.1.20), got ${JSON.stringify(address)}`,
    );
  const notBefore = new Date(now.getTime() - 3600_000);
  const notAfter = new Date(now.getTime() + 30 * 86400_000);
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString("hex")
      .replace(/^[89a-f]/, "1"),
    name: `CN=Laissez local CA for ${address}, O=Laissez LAN mode (this run only)`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString("hex")
      .replace(/^[89a-f]/, "2"),
    subject: `CN=${address}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "ip", value: address }]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const spkiDer = await webcrypto.subtle.exportKey("spki", keys.publicKey);
  return {
    caPem: ca.toString("pem"),
    certPem: cert.toString("pem"),
    keyPem: pem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
    spki: createHash("sha256").update(Buffer.from(spkiDer)).digest("base64"),
  };
}

/** A TLS front on address:port passing each connection to 127.0.0.1:port; closing it ends its open connections too. */
export async function tlsFront(
  address: string,
  port: number,
  certs: LanCertificates,
): Promise<{ close(done: () => void): void }> {
  const open = new Set<Socket>();
  const server: Server = createTlsServer(
    { cert: certs.certPem, key: certs.keyPem, minVersion: "TLSv1.2" },
    (socket) => {
      const inner = connect(port, "127.0.0.1");
      for (const s of [socket, inner]) {
        open.add(s);
        s.once("close", () => open.delete(s));
      }
      socket.pipe(inner).pipe(socket);
      const close = (): void => {
        socket.destroy();
        inner.destroy();
      };
      socket.on("error", close);
      inner.on("error", close);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  return {
    close(done) {
      server.close(() => done());
      for (const s of open) s.destroy();
    },
  };
}

/** The CA certificate over plain http on address:port, for the phone to install (it is public). */
export async function caServer(address: string, port: number, certs: LanCertificates): Promise<HttpServer> {
  const server = createHttpServer((req, res) => {
    if (req.url !== "/laissez-ca.crt")
      return void res
        .writeHead(404, { "content-type": "text/plain" })
        .end("the CA certificate is at /laissez-ca.crt\n");
    res
      .writeHead(200, {
        "content-type": "application/x-x509-ca-cert",
        "content-disposition": 'attachment; filename="laissez-ca.crt"',
      })
      .end(certs.caPem);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  return server;
}
