/**
 * The checkpoint section in a process of its own (`benchCheckpointInOwnProcess`): a checkpoint
 * service runs in a process that holds only the service. In the benchmark's own process, after
 * the sections before it (six in-process chains, a million-entry bundle model, an issuer with
 * SQLite), the same service spent 0.595 ms of CPU per request instead of 0.551 (30 November),
 * which measured the earlier sections, not the service. Prints `{ figures, notes }` as JSON on
 * its last line.
 */
import { benchCheckpoint } from "./checkpoint.ts";

const result = await benchCheckpoint();
process.stdout.write(`\n${JSON.stringify(result)}\n`);
process.exit(0);
