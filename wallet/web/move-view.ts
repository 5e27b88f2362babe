/**
 * "Move to a new phone": export every credential with its key to a file sealed under a
 * passphrase the holder chooses (strength checked as for the CLI's backups), and import such a
 * file — merged into what this wallet holds, nothing lost, a copy used on either phone stays used.
 * The sealing is wallet/transfer.ts; this is the form and its sentences.
 */
import type { PageLanguage } from "../../web/language.ts";
import { byId } from "../../web/ui.ts";
import type { IndexedDbWallet } from "../idb-store.ts";
import { passphraseMinLength, passphraseWeakness } from "../passphrase.ts";
import { exportWallet, importWallet, mergeImport, TransferError } from "../transfer.ts";
import { type Problem, WalletProblem } from "./problems.ts";

export interface MoveViewParts {
  readonly L: PageLanguage;
  readonly wallet: IndexedDbWallet;
  /** Says a line in #move-result (kept for a language switch). */
  readonly say: (words: () => string, outcome: string) => void;
  readonly fail: (problem: Problem) => void;
  /** Redraws the cards after an import. */
  readonly refresh: () => Promise<void>;
}

function problemOf(e: unknown): Problem {
  const details = e instanceof Error ? e.message : String(e);
  if (e instanceof WalletProblem)
    return { kind: e.kind, details, ...(e.kind === "passphrase_short" ? { params: { min: Number(details) } } : {}) };
  if (e instanceof TransferError) return { kind: e.code, details };
  return { kind: "unexpected", details };
}

export class MoveView {
  private readonly p: MoveViewParts;

  constructor(parts: MoveViewParts) {
    this.p = parts;
    byId("export").addEventListener("click", () => void this.run(() => this.export()));
    byId<HTMLInputElement>("import-file").addEventListener("change", (e) => {
      const input = e.target as HTMLInputElement;
      const file = input.files?.[0];
      input.value = "";
      if (file) void this.run(() => this.import(file));
    });
  }

  private passphrase(forExport: boolean): string {
    const value = byId<HTMLInputElement>("move-passphrase").value;
    const weakness = forExport ? passphraseWeakness(value) : value ? undefined : "too_short";
    if (weakness === "too_short") throw new WalletProblem("passphrase_short", String(passphraseMinLength(value)));
    if (weakness === "too_easy") throw new WalletProblem("passphrase_easy");
    return value;
  }

  private async run(step: () => Promise<void>): Promise<void> {
    this.p.say(() => this.p.L.t("wallet.move.working"), "pending");
    try {
      await step();
    } catch (e) {
      this.p.fail(problemOf(e));
    }
  }

  private async export(): Promise<void> {
    const { L } = this.p;
    const passphrase = this.passphrase(true);
    const { text, moved, unmovable } = await exportWallet(await this.p.wallet.listWithKeys(), passphrase);
    const file = `laissez-wallet-${new Date().toISOString().slice(0, 10)}.json`;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    a.download = file;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    const count = unmovable.length;
    this.p.say(
      () =>
        [L.t("wallet.move.exported", { count: moved, file }), count ? L.t("wallet.move.unmovable", { count }) : ""]
          .filter(Boolean)
          .join(L.lang === "zh-CN" ? "" : " "),
      count ? "partial" : "exported",
    );
  }

  private async import(file: File): Promise<void> {
    const { L, wallet } = this.p;
    const incoming = await importWallet(await file.text(), this.passphrase(false));
    const { add, markUsed } = mergeImport(await wallet.list(), incoming);
    await wallet.putReceived(add);
    for (const c of markUsed) await wallet.put(c);
    const kept = incoming.length - add.length;
    this.p.say(() => L.t("wallet.move.imported", { added: add.length, kept }), "imported");
    await this.p.refresh();
  }
}
