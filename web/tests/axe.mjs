// Accessibility audits with axe-core, shared by the browser tests: WCAG 2.1 A and AA, where a serious or critical
// violation fails the run and the rest are counted.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A tally of audited views, and `audit(page, name)`, which runs axe-core over what `page` shows and records each
 * serious or critical violation in `failures`. The page's context must bypass CSP: axe is injected as a script. */
export function axeAuditor(failures) {
  const audited = { views: 0, passes: 0, minor: 0 };
  const audit = async (page, name) => {
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
    audited.views += 1;
    audited.passes += result.passes.length;
    audited.minor += result.violations.filter((x) => !['serious', 'critical'].includes(x.impact)).length;
    for (const v of result.violations.filter((x) => ['serious', 'critical'].includes(x.impact))) {
      failures.push(`accessibility, ${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
    }
  };
  return { audited, audit };
}
