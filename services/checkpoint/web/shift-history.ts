/**
 * The shift's scan history, on this device only: time, verdict and credential type — no
 * name, no claim, no credential id, nothing that identifies the person. Cleared on demand.
 */
import type { VerdictKind } from "../../../core/index.ts";

export interface ShiftEntry {
  readonly at: number;
  readonly verdict: VerdictKind;
  readonly type: string | null;
}

const KEY = "laissez.checkpoint.shift";
const MAX_ENTRIES = 500;

export class ShiftHistory {
  private readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  constructor(storage: Pick<Storage, "getItem" | "setItem" | "removeItem">) {
    this.storage = storage;
  }

  get entries(): ShiftEntry[] {
    try {
      const raw = JSON.parse(this.storage.getItem(KEY) ?? "[]") as unknown;
      return Array.isArray(raw) ? (raw as ShiftEntry[]) : [];
    } catch {
      return [];
    }
  }

  add(entry: ShiftEntry): void {
    this.storage.setItem(
      KEY,
      JSON.stringify(
        [{ at: entry.at, verdict: entry.verdict, type: entry.type }, ...this.entries].slice(0, MAX_ENTRIES),
      ),
    );
  }

  clear(): void {
    this.storage.removeItem(KEY);
  }
}
