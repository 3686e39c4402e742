import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { MessageRowListItem } from '../../lib/message-rows';

/** A first guess at a row's height; each row is measured once drawn. */
const ESTIMATED_ROW_PX = 132;

/**
 * A long list that draws only the rows near the screen (History holds thousands), scrolled with the page.
 * Each drawn row gets its position and says where it stands in the whole list (`aria-setsize`,
 * `aria-posinset`), since the others are not in the document.
 */
export function VirtualList<T>({
  items,
  keyOf,
  className,
  rowClassName,
  renderRow,
}: {
  items: readonly T[];
  keyOf: (item: T) => string;
  className: string;
  rowClassName: string;
  renderRow: (item: T, listItem: MessageRowListItem) => ReactNode;
}) {
  const listRef = useRef<HTMLUListElement>(null);
  const [offset, setOffset] = useState(0);
  const hasItems = items.length > 0;
  // The list starts below whatever precedes it on the page: the virtualizer counts from there.
  useLayoutEffect(() => setOffset(listRef.current?.offsetTop ?? 0), [hasItems]);
  const virtualizer = useWindowVirtualizer({
    count: items.length,
    estimateSize: () => ESTIMATED_ROW_PX,
    overscan: 6,
    gap: 12,
    scrollMargin: offset,
    getItemKey: (index) => {
      const item = items[index];
      return item === undefined ? index : keyOf(item);
    },
  });
  return (
    <ul
      ref={listRef}
      className={className}
      style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
    >
      {virtualizer.getVirtualItems().map((row) => {
        const item = items[row.index];
        if (item === undefined) return null;
        return renderRow(item, {
          ref: virtualizer.measureElement,
          'data-index': row.index,
          'aria-setsize': items.length,
          'aria-posinset': row.index + 1,
          className: rowClassName,
          style: {
            position: 'absolute',
            top: 0,
            left: 0,
            width: '100%',
            transform: `translateY(${row.start - virtualizer.options.scrollMargin}px)`,
          },
        });
      })}
    </ul>
  );
}
