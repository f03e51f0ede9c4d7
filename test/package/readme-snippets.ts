import * as fs from 'node:fs';

/** A ```ts block of a Markdown file, ready to compile as a module of a consumer app. */
export interface Snippet {
  /** The file name to write it under (`readme-03.ts`). */
  readonly fileName: string;
  /** The Markdown line the block starts on. */
  readonly line: number;
  /** The module text: the block's own imports, then its code. */
  readonly source: string;
  /** True when the block imports the grafana-foundation-sdk, whose types need node16 module resolution. */
  readonly needsNode16: boolean;
}

/**
 * The names the README's snippets use without declaring them: the objects the surrounding prose talks about
 * (`chart`, `acme`, `routing`, `tenant`) and the library's exports. A snippet's own imports and declarations
 * shadow these.
 */
export const SNIPPET_GLOBALS = `import type * as cdk8s from 'cdk8s';
import type * as tm from 'cdk8s-tenant-monitoring';

declare global {
  const chart: cdk8s.Chart;
  const tenant: tm.TenantSpec;
  const acme: tm.TenantMonitoringStack;
  const routing: tm.AlertRouting;
  const TenantMonitoringStack: typeof tm.TenantMonitoringStack;
  const PROD: typeof tm.PROD;
  const Duration: typeof tm.Duration;
  const DriftMethod: typeof tm.DriftMethod;
  const Receiver: typeof tm.Receiver;
  const SecretKeyRef: typeof tm.SecretKeyRef;
  type TenantSpec = tm.TenantSpec;
}
export {};
`;

/** Every ```ts block of `markdownFile`, in order. */
export function readmeSnippets(markdownFile: string): Snippet[] {
  const lines = fs.readFileSync(markdownFile, 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (lines[end] !== '```') end++;
    const body = lines.slice(start, end);
    const source = `${body.join('\n')}\nexport {};\n`;
    out.push({
      fileName: `readme-${String(out.length + 1).padStart(2, '0')}.ts`,
      line: start,
      source,
      needsNode16: body.some((l) => l.includes('@grafana/grafana-foundation-sdk')),
    });
    i = end;
  }
  return out;
}
