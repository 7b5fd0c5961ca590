// The architecture as a lint rule: which module may import which (README "Layout").
//
// lib/ is a stack of layers; a module imports only from its own layer or a lower one, so data
// flows one way and no folder cycle can form. `node:` modules are used only in lib/platform/
// (and at the edges: cli/, fuse-like-watch/, the server). The edges reach the library only
// through its public doors (lib/index.ts and the area doors lib/<area>/index.ts that
// package.json exports as subpaths), never through its internals.
//
// Written here rather than taken from eslint-plugin-boundaries or dependency-cruiser: the whole
// policy is one table and thirty lines, and those tools would bring a configuration language
// and dozens of transitive packages for it.
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** The layers of lib/, lowest first: folders and root modules. Units in one layer do not import each other. */
export const LAYERS = [
  ['lib/errors.ts', 'lib/version.ts'],
  ['lib/internal', 'lib/content-type.ts'],
  ['lib/platform'],
  ['lib/encoding', 'lib/crypto'],
  ['lib/udf'],
  ['lib/keys', 'lib/hash.ts'],
  ['lib/envelope'],
  ['lib/sequence'],
  ['lib/store', 'lib/archive', 'lib/log'],
  ['lib/inspect.ts'],
  ['lib/index.ts', 'lib/public.ts'],
  ['lib/mesh'],
];

/** Area doors the edges may import (besides lib/index.ts). */
export const DOORS = ['lib/udf/index.ts', 'lib/archive/index.ts', 'lib/log/index.ts', 'lib/store/index.ts',
  'lib/mesh/index.ts'];

/** Imports that break the rule: none (issue 13's layering task emptied this list); never add to it. */
export const KNOWN = new Set([]);

function unitOf(file) {
  const rel = relative(ROOT, file).split('\\').join('/');
  if (!rel.startsWith('lib/')) return { rel, unit: undefined };
  const parts = rel.split('/');
  return { rel, unit: parts.length === 2 ? rel : `${parts[0]}/${parts[1]}` };
}

function rankOf(unit) {
  return LAYERS.findIndex((layer) => layer.includes(unit));
}

const rule = {
  meta: { type: 'problem', schema: [], messages: { bad: '{{why}}' } },
  create(context) {
    const from = unitOf(context.filename);
    const isTest = /\.test\.ts$|\.test-util\.ts$/.test(from.rel);
    const isEdge = /^(cli|fuse-like-watch|server)\//.test(from.rel);
    function check(node, source) {
      if (typeof source !== 'string') return;
      const report = (why) => {
        const key = `${from.rel} -> ${source}`;
        if (!KNOWN.has(key)) context.report({ node, messageId: 'bad', data: { why } });
      };
      if (source.startsWith('node:')) {
        if (from.unit !== undefined && from.unit !== 'lib/platform' && !isTest) {
          report(`${source} outside lib/platform/: reach the platform through lib/platform`);
        }
        return;
      }
      if (!source.startsWith('.')) return;
      const target = unitOf(join(dirname(context.filename), source).replace(/\.js$/, '.ts'));
      if (target.unit === undefined || isTest) return;
      if (isEdge) {
        if (target.rel !== 'lib/index.ts' && !DOORS.includes(target.rel)) {
          report(`${from.rel.split('/')[0]}/ imports ${target.rel}: use the public door lib/index.ts (or an area door)`);
        }
        return;
      }
      if (from.unit === undefined || from.unit === target.unit) return;
      const a = rankOf(from.unit);
      const b = rankOf(target.unit);
      if (a < 0) return report(`${from.unit} has no layer in eslint/layers.js`);
      if (b < 0) return report(`${target.unit} has no layer in eslint/layers.js`);
      if (b > a) report(`${from.unit} imports ${target.unit}, a layer above it`);
      else if (b === a) report(`${from.unit} imports ${target.unit}, in the same layer`);
      else if (from.unit === 'lib/mesh' && target.rel !== 'lib/index.ts' && !target.rel.endsWith('/index.ts')) {
        report(`lib/mesh imports ${target.rel}: the Mesh uses the core through its doors (lib/index.ts, lib/<area>/index.ts)`);
      }
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { layers: rule } };
