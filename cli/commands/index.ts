/**
 * The list of top-level commands. Each module exports a factory taking the
 * process edges (Io) and returning a yargs CommandModule.
 * @module
 */
import type { CommandModule } from 'yargs';
import type { Io } from '../io.js';
import { hashCommand } from './hash.js';
import { keyCommand } from './key.js';
import { keygenCommand } from './keygen.js';
import { encodeCommand } from './encode.js';
import { decodeCommand, verifyCommand } from './decode.js';
import { logCommand } from './log.js';
import { watchCommand, restoreCommand, statusCommand } from './watch.js';
import { archiveCommand, appendCommand, deleteCommand, indexCommand } from './archive.js';
import { listCommand, extractCommand, copyCommand } from './archive-read.js';
import { inspectCommand } from './inspect.js';
import { rekeyCommand } from './rekey.js';
import { checkpointCommand } from './checkpoint.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Command = CommandModule<any, any>;

export function commands(io: Io): Command[] {
  return [encodeCommand(io), decodeCommand(io), verifyCommand(io), keygenCommand(io), hashCommand(io), keyCommand(io), watchCommand(io), restoreCommand(io), statusCommand(io), logCommand(io),
    archiveCommand(io), listCommand(io), extractCommand(io), appendCommand(io), deleteCommand(io), copyCommand(io), indexCommand(io),
    inspectCommand(io), rekeyCommand(io), checkpointCommand(io)];
}
