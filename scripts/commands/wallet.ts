import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { randomBytes } from "node:crypto";
import { type CredentialFormat, decodeJwt, disclosableClaims, isCodedError, isSdJwt, type JsonValue, openSignedBundle } from "../../core/index.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { writeFileAtomic } from "../../io/files.ts";
import { FileWallet } from "../../wallet/file-store.ts";
import { disclosurePlan, present, type PresentationTarget } from "../../wallet/present.ts";
import { presentationQrText, qrSize } from "../../wallet/qr.ts";
import { qrPng, qrTerminal } from "../../wallet/qr-file.ts";
import { receiveCopies, receiveOffer } from "../../wallet/receive.ts";
import { nextCopy, walletEntries, type WalletEntry } from "../../wallet/copies.ts";
import { copyKey, createHolderKey } from "../../wallet/holder.ts";
import type { StoredCredential } from "../../wallet/store.ts";
import { EXIT, requireString, stringOption, UsageError, type Command } from "../cli.ts";
import { anchorOption } from "../context.ts";
import { DEV_CHAIN_ID } from "../demo/consortium.ts";

const now = (): number => Math.floor(Date.now() / 1000);

/** The passphrase from the environment (scripts, tests) or asked for on a terminal. */
async function passphrase(variable: string, prompt: string): Promise<string> {
  const fromEnv = process.env[variable];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new UsageError(`set ${variable}, or run on a terminal to be asked`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(prompt);
  } finally {
    rl.close();
  }
}

const walletPassphrase = (): Promise<string> => passphrase("LAISSEZ_WALLET_PASSPHRASE", "wallet passphrase: ");

async function openWallet(values: Record<string, unknown>): Promise<FileWallet> {
  const path = stringOption(values, "wallet") as string;
  try {
    return FileWallet.open(path, await walletPassphrase());
  } catch (e) {
    if (isCodedError(e, "ENOENT")) throw new UsageError(`no wallet at ${path}: run \`laissez wallet init\` first`);
    throw e;
  }
}

/** A credential by id, by its number in `list` (1…), or by type when only one has it. */
function pick(credentials: StoredCredential[], which: string | undefined): StoredCredential {
  if (which === undefined) throw new UsageError("name the credential: its id, its number in `laissez wallet list`, or its type");
  const sorted = walletEntries(credentials).map((e) => e.credential);
  const byNumber = /^\d+$/.test(which) ? sorted[Number(which) - 1] : undefined;
  const byType = sorted.filter((c) => c.type === which);
  const found = credentials.find((c) => c.id === which) ?? byNumber ?? (byType.length === 1 ? byType[0] : undefined);
  if (!found) throw new UsageError(byType.length > 1 ? `${byType.length} credentials of type ${which}: name one by id or number` : `no credential ${JSON.stringify(which)} in this wallet`);
  return found;
}

/** The signed bundle the wallet checks credentials against: a file, or a checkpoint service's /bundle URL. */
async function bundleFrom(values: Record<string, unknown>) {
  const source = requireString(values, "bundle");
  const anchor = anchorOption(values, stringOption(values, "region") ?? "CN-ZJ");
  const text = /^https?:\/\//.test(source) ? await (await fetch(source)).text() : readFileSync(source, "utf8");
  return openSignedBundle(text, anchor);
}

/** The claims of a jwt_vc (an SD-JWT VC's come from its disclosures). */
const claimsOf = (jwt: string): Record<string, JsonValue> | undefined =>
  isSdJwt(jwt) ? undefined : ((decodeJwt(jwt).payload.vc as { credentialSubject?: Record<string, JsonValue> } | undefined)?.credentialSubject ?? undefined);

const line = ({ credential: c, copies, unused }: WalletEntry, i: number): string =>
  `${String(i + 1).padStart(2)}. ${c.type.padEnd(16)} ${(c.issuer.name ?? c.issuer.did).padEnd(48)} ${(c.issuer.region ?? "").padEnd(6)} valid until ${new Date(c.validUntil * 1000).toISOString()}  ${c.id}${c.copy ? `  (${unused} of ${copies} copies unused)` : ""}`;

export const walletCommand: Command = {
  name: "wallet",
  summary: "the citizen's wallet: init, receive, list, show, present (QR), backup, restore",
  usage: [
    "laissez wallet init                      [--wallet FILE]",
    "       laissez wallet receive OFFER_URI  --bundle FILE|URL [--region CN-ZJ] [--authority 0x…] [--format jwt_vc|sd_jwt_vc] [--copies N]",
    "       (--copies N: N copies, each with a fresh holder key, each presented once: checkpoints cannot link them)",
    "       laissez wallet list | show WHICH",
    "       laissez wallet present WHICH      --for REGION | --audience A --nonce N [--claims a,b]  [--disclose a,b] [--png FILE] [--json]",
    "       (an SD-JWT VC discloses --disclose, else what the challenge's --claims ask for, else every claim)",
    "       laissez wallet backup --out FILE  |  laissez wallet restore --from FILE",
    "       (passphrases: LAISSEZ_WALLET_PASSPHRASE, LAISSEZ_BACKUP_PASSPHRASE, or asked on a terminal)",
  ].join("\n"),
  options: {
    wallet: { type: "string", default: ".data/wallet.json" },
    bundle: { type: "string" },
    region: { type: "string" },
    authority: { type: "string" },
    "chain-id": { type: "string", default: String(DEV_CHAIN_ID) },
    png: { type: "string" },
    audience: { type: "string" },
    nonce: { type: "string" },
    for: { type: "string" },
    claims: { type: "string" },
    disclose: { type: "string" },
    format: { type: "string" },
    copies: { type: "string" },
    out: { type: "string" },
    from: { type: "string" },
    json: { type: "boolean" },
  },
  async run({ values, positionals }) {
    const [sub, arg] = positionals;
    const path = stringOption(values, "wallet") as string;
    switch (sub) {
      case "init": {
        const wallet = FileWallet.create(path, await walletPassphrase(), randomBytes(32));
        console.log(`wallet created at ${path}\nholder: ${wallet.key.did}`);
        return EXIT.ok;
      }
      case "receive": {
        if (!arg) throw new UsageError("give the credential offer URI (openid-credential-offer://…)");
        const wallet = await openWallet(values);
        const format = stringOption(values, "format");
        if (format !== undefined && format !== "jwt_vc" && format !== "sd_jwt_vc") throw new UsageError("--format must be jwt_vc or sd_jwt_vc");
        const copies = stringOption(values, "copies");
        if (copies !== undefined && !/^([1-9]|1\d|20)$/.test(copies)) throw new UsageError("--copies must be 1 to 20");
        const common = { offerUri: arg, fetch, now: now(), verify: { bundle: await bundleFrom(values), verifier: nativeVerifier }, ...(format ? { format: format as CredentialFormat } : {}) };
        const received = copies ? await receiveCopies({ ...common, keys: Array.from({ length: Number(copies) }, createHolderKey) }) : [await receiveOffer({ ...common, key: wallet.key })];
        await wallet.putAll(received);
        const credential = received[0] as StoredCredential;
        const copiesNote = copies ? ` (${received.length} copies, each with its own holder key, each presented once)` : "";
        console.log(values.json ? JSON.stringify(copies ? received.map(({ copy: _c, ...c }) => c) : credential) : `received ${credential.type} from ${credential.issuer.name ?? credential.issuer.did}: ${credential.id}${copiesNote}`);
        return EXIT.ok;
      }
      case "list": {
        const credentials = walletEntries(await (await openWallet(values)).list());
        if (values.json) console.log(JSON.stringify(credentials.map(({ credential: { jwt: _jwt, copy: _copy, ...c }, copies, unused }) => ({ ...c, copies, unused }))));
        else console.log(credentials.length ? credentials.map(line).join("\n") : "no credentials yet");
        return EXIT.ok;
      }
      case "show": {
        const c = pick(await (await openWallet(values)).list(), arg);
        const claims = isSdJwt(c.jwt) ? Object.fromEntries(disclosableClaims(c.jwt).map((d) => [d.name, d.value])) : (claimsOf(c.jwt) ?? null);
        const format = isSdJwt(c.jwt) ? "sd_jwt_vc (each claim disclosed only when chosen)" : "jwt_vc (every claim shown)";
        const shown = { id: c.id, type: c.type, format, issuer: c.issuer, validUntil: new Date(c.validUntil * 1000).toISOString(), receivedAt: new Date(c.receivedAt * 1000).toISOString(), claims };
        console.log(JSON.stringify(shown, null, 2));
        return EXIT.ok;
      }
      case "present": {
        const wallet = await openWallet(values);
        const all = await wallet.list();
        const picked = pick(all, arg);
        // A batch's copies are presented once each: a used copy shown again would link sightings.
        const c = nextCopy(all, picked);
        if (!c) throw new UsageError(`every copy of ${picked.type} ${picked.copy?.batch} was presented once: receive a new batch (showing a used copy again would let checkpoints link the sightings)`);
        const key = c.copy ? copyKey(c.copy) : wallet.key;
        const audience = stringOption(values, "audience");
        const nonce = stringOption(values, "nonce");
        if ((audience === undefined) !== (nonce === undefined)) throw new UsageError("--audience and --nonce go together");
        const region = stringOption(values, "for");
        // A static QR names the region it is for: a checkpoint elsewhere refuses it.
        if ((region === undefined) === (audience === undefined)) throw new UsageError("give --for REGION (a static QR for that region's checkpoints) or a checkpoint's --audience and --nonce");
        const list = (name: string): string[] | undefined => stringOption(values, name)?.split(",").map((s) => s.trim()).filter(Boolean);
        const asked = list("claims");
        const target: PresentationTarget = audience && nonce ? { audience, nonce, ...(asked ? { claims: asked } : {}) } : { region: region as string };
        let plan;
        try {
          plan = disclosurePlan(c.jwt, claimsOf(c.jwt), list("disclose"), target);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        const text = presentationQrText(await present(c.jwt, key, now(), target, plan.disclosed.map((d) => d.name)));
        if (c.copy) await wallet.put({ ...c, copy: { ...c.copy, used: true } });
        const size = qrSize(text);
        const png = stringOption(values, "png") ?? "presentation.png";
        writeFileAtomic(png, await qrPng(text));
        const disclosure = { discloses: plan.disclosed.map((d) => d.name), withholds: plan.withheld };
        if (values.json) console.log(JSON.stringify({ text, ...size, png, ...disclosure }));
        else {
          console.log(await qrTerminal(text));
          console.log(`discloses: ${disclosure.discloses.join(", ") || "nothing"}${plan.selective ? `; withholds: ${disclosure.withholds.join(", ") || "nothing"}` : " (jwt_vc: every claim)"}`);
          console.log(`${c.type}: ${size.characters} characters, QR version ${size.version} (M), ${audience ? `bound to ${audience}` : `static, for ${region}: valid for 5 minutes`} → ${png}`);
        }
        return EXIT.ok;
      }
      case "backup": {
        const out = requireString(values, "out");
        const wallet = await openWallet(values);
        writeFileAtomic(out, wallet.backup(await passphrase("LAISSEZ_BACKUP_PASSPHRASE", "backup passphrase: ")));
        console.log(`encrypted backup of ${(await wallet.list()).length} credentials and the holder key → ${out}`);
        return EXIT.ok;
      }
      case "restore": {
        const from = requireString(values, "from");
        const backupPassphrase = await passphrase("LAISSEZ_BACKUP_PASSPHRASE", "backup passphrase: ");
        const wallet = FileWallet.restore(path, readFileSync(from, "utf8"), backupPassphrase, await walletPassphrase());
        console.log(`restored ${(await wallet.list()).length} credentials to ${path}\nholder: ${wallet.key.did}`);
        return EXIT.ok;
      }
      default:
        throw new UsageError("expected one of: init, receive, list, show, present, backup, restore");
    }
  },
};
