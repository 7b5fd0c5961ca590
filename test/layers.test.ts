// The layering rule (eslint/layers.js) catches what it is there to catch.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'dare/layers').map((m) => m.message);
}

describe('layering lint rule', () => {
  it('refuses an import from a layer above, node: outside the platform, and internals from the edges', async () => {
    expect(await layerErrors('lib/udf/x.ts', "import { EnvelopeReader } from '../envelope/reader.js';\nexport const x = EnvelopeReader;\n"))
      .toEqual(['lib/udf imports lib/envelope, a layer above it']);
    expect(await layerErrors('lib/envelope/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"))
      .toEqual(['node:fs outside lib/platform/: reach the platform through lib/platform']);
    expect((await layerErrors('cli/commands/x.ts', "import { SequenceReader } from '../../lib/sequence/reader.js';\nexport const x = SequenceReader;\n"))[0])
      .toMatch(/use the public door/);
    expect(await layerErrors('lib/mesh/x.ts', "import { SequenceReader } from '../sequence/reader.js';\nexport const x = SequenceReader;\n"))
      .toEqual(['lib/mesh imports lib/sequence/reader.ts: the Mesh uses the core through its doors (lib/index.ts, lib/<area>/index.ts)']);
  });
  it('allows imports downwards, within a folder, and through the doors', async () => {
    expect(await layerErrors('lib/envelope/x.ts', "import { keyFingerprint } from '../udf/index.js';\nexport const x = keyFingerprint;\n")).toEqual([]);
    expect(await layerErrors('cli/commands/x.ts', "import { DareError } from '../../lib/index.js';\nexport const x = DareError;\n")).toEqual([]);
    expect(await layerErrors('lib/mesh/x.ts', "import { DareError } from '../index.js';\nexport const x = DareError;\n")).toEqual([]);
  });
});
