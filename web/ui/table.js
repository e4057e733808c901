// TanStack Table (table-core) for Preact: the library keeps sorting and column filters; this file only gives it
// Preact state, the way its own React adapter does, and draws sortable column headers.

import { h } from 'preact';
import { useState } from 'preact/hooks';
import htm from 'htm';
import { createTable, getCoreRowModel, getFilteredRowModel, getSortedRowModel } from 'table-core';

const html = htm.bind(h);

/** A table over `options.data` that sorts and filters in the browser; `options` as table-core's `createTable`. */
export function useTable(options) {
  const resolved = {
    state: {},
    onStateChange: () => {},
    renderFallbackValue: null,
    // Nothing here pages or expands rows; left on, the resets would change state on every new data array.
    autoResetAll: false,
    getCoreRowModel: getCoreRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getSortedRowModel: getSortedRowModel(),
    ...options,
  };
  const [table] = useState(() => createTable(resolved));
  const [state, setState] = useState(() => table.initialState);
  table.setOptions((previous) => ({
    ...previous,
    ...resolved,
    state: { ...state, ...options.state },
    onStateChange: (updater) => {
      setState(updater);
      options.onStateChange?.(updater);
    },
  }));
  return table;
}

const ARIA_SORT = { asc: 'ascending', desc: 'descending' };

/** The header row: a button per sortable column, `aria-sort` on the sorted one, shift-click adds a second key. */
export function SortableHeader({ table }) {
  return html`<thead>${table.getHeaderGroups().map((group) => html`<tr>${group.headers.map((header) => {
    const column = header.column;
    const title = column.columnDef.header;
    if (!column.getCanSort()) return html`<th scope="col">${title}</th>`;
    const sorted = column.getIsSorted();
    return html`<th scope="col" aria-sort=${ARIA_SORT[sorted] || 'none'}>
      <button type="button" class="link sort" data-column=${column.id} onClick=${column.getToggleSortingHandler()}
        title="Sort by this column (shift adds it as a second key)">${title}<span aria-hidden="true">${sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span></button>
    </th>`;
  })}</tr>`)}</thead>`;
}
