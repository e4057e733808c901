// The priority matrix: risk reduction × implementation effort, with the count and points still available in
// each cell, split into aligned (maps to a control in the audit scope) and not; a cell click filters the table.

import { h } from 'preact';
import htm from 'htm';

const html = htm.bind(h);
const RISKS = ['high', 'medium', 'low'];
const EFFORTS = ['low', 'medium', 'high'];
const points = (n) => (Math.round(n * 10) / 10).toLocaleString('en');

/** The cells of `items` (rated ones only), keyed `risk/effort`. */
export function cells(items) {
  const out = {};
  for (const item of items) {
    const { risk_reduction: risk, implementation_effort: effort } = item.rating;
    if (!risk || !effort) continue;
    const cell = (out[`${risk}/${effort}`] ||= { aligned: 0, other: 0, points: 0 });
    cell[item.regulatory_alignment ? 'aligned' : 'other'] += 1;
    cell.points += item.points_available;
  }
  return out;
}

export function Matrix({ items, selected, onSelect }) {
  const grid = cells(items);
  const unrated = items.filter((i) => !i.rating.risk_reduction || !i.rating.implementation_effort).length;
  return html`<section class="card" aria-labelledby="matrix-title">
    <h2 id="matrix-title">Priority matrix</h2>
    <table class="matrix">
      <thead><tr><th scope="col">Risk reduction ↓ · effort →</th>${EFFORTS.map((e) => html`<th scope="col">${e} effort</th>`)}</tr></thead>
      <tbody>${RISKS.map((risk) => html`<tr><th scope="row">${risk} risk reduction</th>${EFFORTS.map((effort) => {
        const key = `${risk}/${effort}`;
        const cell = grid[key] || { aligned: 0, other: 0, points: 0 };
        return html`<td><button type="button" class=${`cell${selected === key ? ' selected' : ''}`} data-cell=${key}
          aria-pressed=${selected === key} onClick=${() => onSelect(selected === key ? null : key)}
          title=${`${risk} risk reduction, ${effort} effort`}>
          <strong>${cell.aligned + cell.other}</strong> items · ${points(cell.points)} pts
          <small>${cell.aligned} aligned · ${cell.other} not</small></button></td>`;
      })}</tr>`)}</tbody>
    </table>
    <p class="muted">${unrated} unrated items are not on the matrix.</p>
  </section>`;
}
