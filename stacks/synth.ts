/**
 * The command behind `npm run synth` (and cdk8s.yaml's `app`): synthesizes the example environments into
 * `dist/<env>/`.
 *
 * A failure prints `synth failed, nothing was written:` and the error's message, with no stack frames, and exits 1.
 * The environment code is loaded inside the `try`, so an error thrown while the stacks are being defined is reported
 * the same way.
 */
import * as fs from 'node:fs';
import type * as Stacks from './main';

function main(): void {
  try {
    // Required here rather than imported at the top, so that an error thrown while the stack modules are evaluated
    // is caught below too.
    const { synthAll } = require('./main') as typeof Stacks;
    for (const dir of synthAll()) process.stdout.write(`${dir}: ${fs.readdirSync(dir).length} manifest file(s)\n`);
  } catch (e) {
    process.stderr.write(`synth failed, nothing was written:\n${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

main();
