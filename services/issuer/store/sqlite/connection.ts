import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";

/**
 * The one SQLite connection of an issuer store, shared by its parts (operators, credentials,
 * outbox, offers, audit) and seen by nothing outside `store/sqlite/`: every statement lives next
 * to the table it concerns, so a table has one owner. Its calls are synchronous; the parts
 * answer the store's async interfaces (`../types.ts`) with them.
 */
export class Sqlite {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(path: string, schema: string) {
    this.#db = new DatabaseSync(path);
    // WAL + FULL: an answered request survives a crash or power loss; readers never block the writer.
    this.#db.exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
    );
    this.#db.exec(schema);
  }

  /** A prepared statement, prepared once per connection. */
  sql(text: string): StatementSync {
    let s = this.#statements.get(text);
    if (!s) this.#statements.set(text, (s = this.#db.prepare(text)));
    return s;
  }

  /** Rows one at a time, from a statement of their own (a shared prepared statement cannot be iterated while others use it). */
  iterate(text: string, ...params: SQLInputValue[]): Iterable<unknown> {
    return this.#db.prepare(text).iterate(...params);
  }

  /** Adds a column that an older database file lacks (CREATE TABLE IF NOT EXISTS keeps old tables as they were). */
  addColumn(table: string, column: string, declaration: string): void {
    const columns = this.#db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!columns.some((c) => c.name === column))
      this.#db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${declaration}`);
  }

  exec(text: string): void {
    this.#db.exec(text);
  }

  /** Runs `fn` in one IMMEDIATE transaction: all of it lands, or none. Inside a transaction already, `fn` joins it. */
  transaction<T>(fn: () => T): T {
    if (this.#db.isTransaction) return fn();
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.#db.exec("COMMIT");
      return result;
    } catch (e) {
      this.#db.exec("ROLLBACK");
      throw e;
    }
  }

  /** Appends to the audit log's hash chain (set by the store: see store/audit.ts). */
  audit: (operator: string, action: string, subject: string, detail: unknown, now: number) => void = () => {
    throw new Error("the audit log is not open");
  };

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}
