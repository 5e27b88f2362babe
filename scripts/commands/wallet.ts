import { chmodSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { randomBytes } from "node:crypto";
import {
  type CheckpointState,
  describeReason,
  FORMAT_NAMES,
  formatOfCredential,
  isCodedError,
  isCredentialFormat,
  type JsonValue,
  type TrustBundle,
} from "../../core/index.ts";
import { nativeVerifier } from "../../services/crypto/native-verifier.ts";
import { writeFileAtomic } from "../../io/files.ts";
import { LockBusyError, takeLock } from "../../io/lock.ts";
import { FileWallet, WalletDamagedError, WalletLockedError } from "../../wallet/file-store.ts";
import { passphraseProblem } from "../../wallet/passphrase.ts";
import { disclosurePlan, present, type PresentationTarget } from "../../wallet/present.ts";
import { presentationQrText } from "../../wallet/qr.ts";
import { qrSize } from "../../web/qr.ts";
import { qrPng, qrTerminal } from "../qr-file.ts";
import { receiveCopies, receiveOffer } from "../../wallet/receive.ts";
import { nextCopy, walletEntries, type WalletEntry } from "../../wallet/copies.ts";
import { createHolderKey } from "../../wallet/holder.ts";
import { holderStatus, type HolderStatus, type WalletSync } from "../../wallet/status.ts";
import type { StoredCredential } from "../../wallet/store.ts";
import { EXIT, regionCode, requireString, stringOption, unknownSubcommand, UsageError, type Command } from "../cli.ts";
import { anchorOption, bundleText, loadRegionBundle } from "../context.ts";
import { DEMO_REGIONS, DEV_CHAIN_ID } from "../demo/consortium.ts";
import { userFile } from "../paths.ts";

type Values = Record<string, unknown>;
const now = (): number => Math.floor(Date.now() / 1000);
const iso = (t: number): string => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The passphrase from the environment (scripts, tests) or asked for on a terminal; a new one must be strong enough. */
async function passphrase(variable: string, prompt: string, isNew = false): Promise<string> {
  let value = process.env[variable];
  if (!value) {
    if (!process.stdin.isTTY) throw new UsageError(`set ${variable}, or run on a terminal to be asked`);
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      value = await rl.question(prompt);
    } finally {
      rl.close();
    }
  }
  const problem = isNew ? passphraseProblem(value) : undefined;
  if (problem)
    throw new UsageError(`${variable === "LAISSEZ_BACKUP_PASSPHRASE" ? "backup" : "wallet"} passphrase ${problem}`);
  return value;
}

const walletPassphrase = (isNew = false): Promise<string> =>
  passphrase("LAISSEZ_WALLET_PASSPHRASE", "wallet passphrase: ", isNew);

/** The wallet file: --wallet, else the per-user data directory (an old ./.data/wallet.json is still read). */
function walletPath(values: Values): string {
  const given = stringOption(values, "wallet");
  if (given) return given;
  const file = userFile("data", "wallet.json", ".data/wallet.json");
  if (file.note) console.error(`laissez wallet: ${file.note}`);
  return file.path;
}

/**
 * Holds the wallet file for the rest of this process (released at exit; a lock left by a killed
 * process is stale and replaced): two commands at once would present the same copy (the link the
 * copies exist to avoid) or lose one's write. A second command waits for the first.
 */
async function lockWallet(path: string): Promise<void> {
  try {
    process.once("exit", await takeLock(`${path}.lock`, WALLET_LOCK_WAIT_MS));
  } catch (e) {
    if (e instanceof LockBusyError)
      throw new Error(
        `the wallet ${path} is in use by another laissez process (pid ${e.holder}) for over ${WALLET_LOCK_WAIT_MS / 1000} s`,
      );
    throw e;
  }
}
const WALLET_LOCK_WAIT_MS = 60_000;

async function openWallet(values: Values): Promise<FileWallet> {
  const path = walletPath(values);
  const passphrase = await walletPassphrase();
  await lockWallet(path);
  try {
    return FileWallet.open(path, passphrase);
  } catch (e) {
    if (isCodedError(e, "ENOENT")) throw new UsageError(`no wallet at ${path}: run \`laissez wallet init\` first`);
    throw e;
  }
}

/** A credential by id, by its number in `list` (1…), or by type when only one has it. */
function pick(credentials: StoredCredential[], which: string | undefined): StoredCredential {
  if (which === undefined)
    throw new UsageError("name the credential: its id, its number in `laissez wallet list`, or its type");
  const sorted = walletEntries(credentials).map((e) => e.credential);
  const byNumber = /^\d+$/.test(which) ? sorted[Number(which) - 1] : undefined;
  const byType = sorted.filter((c) => c.type === which);
  const found = sorted.find((c) => c.id === which) ?? byNumber ?? (byType.length === 1 ? byType[0] : undefined);
  if (!found)
    throw new UsageError(
      byType.length > 1
        ? `${byType.length} credentials of type ${which}: name one by id or number`
        : `no credential ${JSON.stringify(which)} in this wallet (laissez wallet list shows them)`,
    );
  return found;
}

/**
 * Loads the signed bundle the wallet checks credentials against (signature by the region's
 * authority, and never older than the last one this wallet accepted), and records each
 * credential's status as of its block.
 */
async function syncWallet(wallet: FileWallet, values: Values): Promise<{ bundle: TrustBundle; sync: WalletSync }> {
  const last = wallet.lastSync;
  const source = stringOption(values, "bundle") ?? last?.source;
  if (!source) throw new UsageError("--bundle is required: a checkpoint's /bundle URL or a bundle file");
  const typed = stringOption(values, "region") ?? last?.region ?? "CN-ZJ";
  const anchor = anchorOption(values, typed.trim().toUpperCase());
  const { bundle, state } = loadRegionBundle(
    await bundleText(source),
    anchor,
    wallet.bundleState as CheckpointState | undefined,
    now(),
  );
  const keyCache = new Map<string, Uint8Array>();
  const statuses: Record<string, HolderStatus> = {};
  for (const c of await wallet.list()) statuses[c.id] = holderStatus(c, bundle, now(), nativeVerifier, keyCache);
  const sync: WalletSync = {
    source,
    region: anchor.region,
    block: bundle.block.number,
    blockTime: bundle.block.timestamp,
    syncedAt: now(),
    regions: Object.keys(bundle.regions).sort(),
    statuses,
  };
  wallet.recordSync(sync, state);
  return { bundle, sync };
}

/** The claims a credential carries, as its format shows them to the holder (an SD-JWT VC's from its disclosures). */
const claimsOf = (jwt: string): Record<string, JsonValue> =>
  Object.fromEntries(
    formatOfCredential(jwt)
      .claims(jwt)
      .map((c) => [c.name, c.value]),
  );

/** What each status means for the holder, and what to do next: the same as the web wallet's card says. */
function statusWords(c: StoredCredential, s: HolderStatus): string {
  const agency = c.issuer.name ?? "the issuing agency";
  const why = describeReason(s.reason, "en").replace(/\.$/, "");
  switch (s.kind) {
    case "valid":
      return "valid";
    case "revoked":
      return `REVOKED by ${agency}: no longer valid, checkpoints refuse it; ask the agency why, or for a new one`;
    case "suspended":
      return `SUSPENDED by ${agency}: not usable while suspended; ask the agency; once reinstated, \`laissez wallet sync\` shows it valid again`;
    case "expired":
      return `EXPIRED on ${iso(c.validUntil)}: ask ${agency} for a new one`;
    case "not_accredited":
      return `ISSUER NO LONGER ACCREDITED (${why}): checkpoints refuse it; ask an agency accredited now for a new one`;
    case "unknown":
      return `status unknown (${why}): sync when you have a network (laissez wallet sync)`;
    default:
      return `NOT VALID (${why}): ask ${agency} to issue it again`;
  }
}

/** A credential's status as of the last sync, in words, with what to do next. */
export function statusLine(c: StoredCredential, sync: WalletSync | undefined): string {
  const s = sync?.statuses[c.id];
  if (!sync || !s) return "status unknown: not synced since it was received (laissez wallet sync)";
  return `${statusWords(c, s)}${s.kind === "valid" ? "" : ","} as of ${iso(sync.blockTime)} (block ${sync.block})`;
}

const line = ({ credential: c, copies, unused }: WalletEntry, i: number, sync: WalletSync | undefined): string =>
  `${String(i + 1).padStart(2)}. ${c.type.padEnd(16)} ${(c.issuer.name ?? c.issuer.did).padEnd(40)} ${(c.issuer.region ?? "").padEnd(6)} until ${iso(c.validUntil)}  ${statusLine(c, sync)}  ${c.id}${c.copy ? `  (${unused} of ${copies} copies unused)` : ""}`;

const sorted = async (wallet: FileWallet): Promise<WalletEntry[]> => walletEntries(await wallet.list());

async function presentCommand(values: Values, which: string | undefined): Promise<number> {
  const wallet = await openWallet(values);
  const all = await wallet.list();
  const picked = pick(all, which);
  // A batch's copies are presented once each: a used copy shown again would link sightings.
  const c = nextCopy(all, picked);
  // Not a usage error (exit 1): the command was right, the wallet has no unused copy left.
  if (!c)
    throw new Error(
      `all ${all.filter((x) => x.copy?.batch === picked.copy?.batch).length} copies of ${picked.type} ${picked.id} were presented once: receive a new batch (laissez wallet receive … --copies N); showing a used copy again would let checkpoints link the sightings`,
    );
  const key = wallet.keyFor(c);
  const audience = stringOption(values, "audience");
  const nonce = stringOption(values, "nonce");
  if ((audience === undefined) !== (nonce === undefined)) throw new UsageError("--audience and --nonce go together");
  const typed = stringOption(values, "for");
  // A static QR names the region it is for: a checkpoint elsewhere refuses it.
  if ((typed === undefined) === (audience === undefined))
    throw new UsageError(
      "give --for REGION (a static QR for that region's checkpoints) or a checkpoint's --audience and --nonce",
    );
  const region = typed === undefined ? undefined : regionCode(typed, wallet.lastSync?.regions ?? DEMO_REGIONS, "--for");
  const status = wallet.lastSync?.statuses[c.id];
  if (status && status.kind !== "valid") {
    console.error(
      `warning: this ${c.type} is ${statusLine(c, wallet.lastSync)}${status.kind === "unknown" ? "" : "; a checkpoint will refuse it"}`,
    );
  }
  const list = (name: string): string[] | undefined =>
    stringOption(values, name)
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const asked = list("claims");
  const target: PresentationTarget =
    audience && nonce ? { audience, nonce, ...(asked ? { claims: asked } : {}) } : { region: region as string };
  let plan;
  try {
    plan = disclosurePlan(c.jwt, claimsOf(c.jwt), list("disclose"), target);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const text = presentationQrText(
    await present(
      c.jwt,
      key,
      now(),
      target,
      plan.disclosed.map((d) => d.name),
    ),
  );
  if (c.copy) await wallet.put({ ...c, copy: { ...c.copy, used: true } });
  const size = qrSize(text);
  const png = stringOption(values, "png");
  if (png) writeFileAtomic(png, await qrPng(text));
  const disclosure = { discloses: plan.disclosed.map((d) => d.name), withholds: plan.withheld };
  if (values.json) {
    console.log(JSON.stringify({ text, ...size, png: png ?? null, status: status ?? null, ...disclosure }));
    return EXIT.ok;
  }
  console.log(await qrTerminal(text));
  console.log(text);
  console.log(
    `discloses: ${disclosure.discloses.join(", ") || "nothing"}${plan.selective ? `; withholds: ${disclosure.withholds.join(", ") || "nothing"}` : " (jwt_vc: every claim)"}`,
  );
  console.log(
    `${c.type}: ${size.characters} characters, QR version ${size.version} (M), ${audience ? `bound to ${audience}` : `static, for ${region}: valid for 5 minutes`}${png ? ` → ${png}` : ""}`,
  );
  return EXIT.ok;
}

async function receiveCommand(values: Values, offerUri: string | undefined): Promise<number> {
  if (!offerUri) throw new UsageError("give the credential offer URI (openid-credential-offer://…)");
  const format = stringOption(values, "format");
  if (format !== undefined && !isCredentialFormat(format))
    throw new UsageError(`--format must be ${FORMAT_NAMES.join(" or ")}`);
  const copies = stringOption(values, "copies");
  if (copies !== undefined && !/^([1-9]|1\d|20)$/.test(copies)) throw new UsageError("--copies must be 1 to 20");
  const wallet = await openWallet(values);
  // The newest status data first: the credential is checked against it before it is stored.
  const { bundle } = await syncWallet(wallet, values);
  const common = {
    offerUri,
    fetch,
    now: now(),
    verify: { bundle, verifier: nativeVerifier },
    allowHttpLoopback: values["allow-http-loopback"] === true,
    ...(format ? { format } : {}),
  };
  const received = await (
    copies
      ? receiveCopies({ ...common, keys: Array.from({ length: Number(copies) }, createHolderKey) })
      : receiveOffer({ ...common, key: wallet.key }).then((r) => [r])
  ).catch((e: unknown) => {
    // A development issuer on this machine speaks plain http: say which flag allows it.
    if (
      (e as { code?: string }).code === "offer_insecure_issuer" &&
      !common.allowHttpLoopback &&
      /^openid-credential-offer:|credential_issuer/.test(offerUri) &&
      /http%3A%2F%2F(127\.|localhost|%5B%3A%3A1%5D)|http:\/\/(127\.|localhost|\[::1\])/i.test(offerUri)
    )
      throw new UsageError(
        `${(e as Error).message}: for a development issuer on this machine, add --allow-http-loopback`,
      );
    throw e;
  });
  await wallet.putAll(received);
  const last = wallet.lastSync as WalletSync;
  const statuses = Object.fromEntries(received.map((r) => [r.id, holderStatus(r, bundle, now(), nativeVerifier)]));
  wallet.recordSync({ ...last, statuses: { ...last.statuses, ...statuses } }, wallet.bundleState);
  const credential = received[0] as StoredCredential;
  const copiesNote = copies ? ` (${received.length} copies, each with its own holder key, each presented once)` : "";
  console.log(
    values.json
      ? JSON.stringify(copies ? received.map(({ copy: _c, ...c }) => c) : credential)
      : `received ${credential.type} from ${credential.issuer.name ?? credential.issuer.did}: ${credential.id}${copiesNote}`,
  );
  return EXIT.ok;
}

async function showCommand(values: Values, which: string | undefined): Promise<number> {
  const wallet = await openWallet(values);
  const c = pick(await wallet.list(), which);
  const claims = claimsOf(c.jwt);
  const format = formatOfCredential(c.jwt).words;
  const sync = wallet.lastSync;
  const status = sync?.statuses[c.id]
    ? { ...sync.statuses[c.id], asOf: iso(sync.blockTime), block: sync.block, words: statusLine(c, sync) }
    : { kind: "unknown", words: statusLine(c, sync) };
  const shown = {
    id: c.id,
    type: c.type,
    format,
    issuer: c.issuer,
    status,
    validUntil: iso(c.validUntil),
    receivedAt: iso(c.receivedAt),
    claims,
  };
  console.log(JSON.stringify(shown, null, 2));
  return EXIT.ok;
}

/** A backup the passphrase does not open, or a file that is no backup: said as what it is, with the next step. */
function openBackupError(e: unknown, from: string): Error {
  if (e instanceof WalletLockedError)
    return new Error(
      `the backup passphrase does not open this backup (${from}): check LAISSEZ_BACKUP_PASSPHRASE (the one given to \`wallet backup\`, not the wallet's); nothing was changed`,
    );
  if (e instanceof WalletDamagedError)
    return new Error(`${from} is not a readable Laissez wallet backup (${e.message}); nothing was changed`);
  return e as Error;
}

/**
 * Restores a backup without losing a credential: into a new wallet file; merged into an existing
 * wallet (the default); or with --replace, the wallet as it was first saved beside itself.
 */
async function restoreCommand(values: Values): Promise<number> {
  const from = requireString(values, "from");
  const path = walletPath(values);
  const text = readFileSync(from, "utf8");
  const backupPassphrase = await passphrase("LAISSEZ_BACKUP_PASSPHRASE", "backup passphrase: ");
  const exists = existsSync(path);
  if (exists && values.replace !== true) {
    const wallet = await openWallet(values);
    let result;
    try {
      result = wallet.merge(text, backupPassphrase);
    } catch (e) {
      throw openBackupError(e, from);
    }
    console.log(
      `restored ${result.added + result.kept} credentials into ${path}: ${result.added} new, ${result.kept} already here; the wallet now holds ${result.total}\nholder: ${wallet.key.did} (restored credentials keep the key they were bound to)`,
    );
    return EXIT.ok;
  }
  const walletSecret = exists ? await walletPassphrase() : await walletPassphrase(true);
  await lockWallet(path);
  let saved: string | undefined;
  let before = 0;
  if (exists) {
    // The wallet as it was, still sealed under its passphrase, opened first so a wrong passphrase changes nothing.
    before = (await FileWallet.open(path, walletSecret).list()).length;
    saved = `${path}.before-restore-${iso(now()).replace(/:/g, "")}`;
    copyFileSync(path, saved);
    chmodSync(saved, 0o600);
  }
  let wallet;
  try {
    wallet = FileWallet.restore(path, text, backupPassphrase, walletSecret);
  } catch (e) {
    throw openBackupError(e, from);
  }
  const note = saved
    ? `\nthe wallet as it was (${before} credentials) is saved at ${saved}: \`laissez wallet restore --from\` it with LAISSEZ_BACKUP_PASSPHRASE set to the wallet passphrase to merge it back`
    : "";
  console.log(`restored ${(await wallet.list()).length} credentials to ${path}\nholder: ${wallet.key.did}${note}`);
  return EXIT.ok;
}

const SUBCOMMANDS: Record<string, (values: Values, arg: string | undefined) => Promise<number>> = {
  async init(values) {
    const path = walletPath(values);
    const passphrase = await walletPassphrase(true);
    await lockWallet(path);
    const wallet = FileWallet.create(path, passphrase, randomBytes(32));
    console.log(`wallet created at ${path}\nholder: ${wallet.key.did}`);
    return EXIT.ok;
  },
  receive: receiveCommand,
  async sync(values) {
    const wallet = await openWallet(values);
    const { sync } = await syncWallet(wallet, values);
    const credentials = await sorted(wallet);
    if (values.json) console.log(JSON.stringify(sync));
    else
      console.log(
        [
          `synced with ${sync.region}'s bundle at block ${sync.block} (${iso(sync.blockTime)})`,
          ...credentials.map((c, i) => line(c, i, sync)),
        ].join("\n"),
      );
    return EXIT.ok;
  },
  async list(values) {
    const wallet = await openWallet(values);
    const credentials = await sorted(wallet);
    const sync = wallet.lastSync;
    if (values.json)
      console.log(
        JSON.stringify(
          credentials.map(({ credential: { jwt: _jwt, copy: _copy, ...c }, copies, unused }) => ({
            ...c,
            copies,
            unused,
            status: sync?.statuses[c.id] ?? null,
            statusAsOf: sync?.blockTime ?? null,
          })),
        ),
      );
    else
      console.log(credentials.length ? credentials.map((c, i) => line(c, i, sync)).join("\n") : "no credentials yet");
    return EXIT.ok;
  },
  show: showCommand,
  present: presentCommand,
  async backup(values) {
    const out = requireString(values, "out");
    const wallet = await openWallet(values);
    writeFileAtomic(
      out,
      wallet.backup(await passphrase("LAISSEZ_BACKUP_PASSPHRASE", "backup passphrase: ", true)),
      0o600,
    );
    console.log(`encrypted backup of ${(await wallet.list()).length} credentials and the holder key → ${out}`);
    return EXIT.ok;
  },
  restore: restoreCommand,
};

export const walletCommand: Command = {
  name: "wallet",
  summary: "the citizen's wallet: init, receive, sync, list, show, present (QR), backup, restore",
  usage: [
    "laissez wallet init                      [--wallet FILE]",
    "       laissez wallet receive OFFER_URI  --bundle FILE|URL [--region CN-ZJ] [--authority 0x…] [--format jwt_vc|sd_jwt_vc] [--copies N] [--allow-http-loopback]",
    "       (--copies N: N copies, each with a fresh holder key, each presented once: checkpoints cannot link them)",
    "       laissez wallet sync               [--bundle FILE|URL] [--region CN-ZJ]   (status of every credential from a checkpoint's bundle)",
    "       laissez wallet list | show WHICH  (status as of the last sync)",
    "       laissez wallet present WHICH      --for REGION | --audience A --nonce N [--claims a,b]  [--disclose a,b] [--png FILE] [--json]",
    "       (an SD-JWT VC discloses --disclose, else what the challenge's --claims ask for, else every claim)",
    "       laissez wallet backup --out FILE  |  laissez wallet restore --from FILE [--replace]",
    "       (restore merges the backup into an existing wallet; --replace saves the wallet beside itself first)",
    "       (passphrases: LAISSEZ_WALLET_PASSPHRASE, LAISSEZ_BACKUP_PASSPHRASE, or asked on a terminal)",
  ].join("\n"),
  options: {
    wallet: { type: "string" },
    bundle: { type: "string" },
    region: { type: "string" },
    authority: { type: "string" },
    "chain-id": { type: "string", default: String(DEV_CHAIN_ID) },
    "allow-http-loopback": { type: "boolean" },
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
    replace: { type: "boolean" },
    json: { type: "boolean" },
  },
  async run({ values, positionals }) {
    const [sub, arg] = positionals;
    const run = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
    if (!run) throw unknownSubcommand(sub, Object.keys(SUBCOMMANDS));
    return run(values, arg);
  },
};
