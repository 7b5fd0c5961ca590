/**
 * The version of this package (package.json "version"; test/version.test.ts keeps the two
 * equal), for `dare --version` and programs that log what they run.
 * @module
 */
export const VERSION = '0.1.0';
