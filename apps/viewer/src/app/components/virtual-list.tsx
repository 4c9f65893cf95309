import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

interface VirtualListProps {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ComponentChildren;
  /** A row to bring into view (when it changes). */
  scrollTo?: number | undefined;
  className?: string;
  label?: string;
}

/**
 * A list that renders only the rows in view (plus a margin), each `rowHeight` pixels tall, in a
 * scroller as tall as all of them: ten thousand calls cost a few dozen DOM nodes.
 */
export function VirtualList({ count, rowHeight, renderRow, scrollTo, className, label }: VirtualListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      setView({ top: element.scrollTop, height: element.clientHeight });
    };
    const onScroll = () => {
      if (frame === 0) frame = requestAnimationFrame(update);
    };
    update();
    element.addEventListener('scroll', onScroll, { passive: true });
    const observer = new ResizeObserver(onScroll);
    observer.observe(element);
    return () => {
      element.removeEventListener('scroll', onScroll);
      observer.disconnect();
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);
  useEffect(() => {
    const element = scroller.current;
    if (!element || scrollTo === undefined || scrollTo < 0) return;
    const top = scrollTo * rowHeight;
    if (top < element.scrollTop || top + rowHeight > element.scrollTop + element.clientHeight) {
      element.scrollTop = Math.max(0, top - element.clientHeight / 3);
    }
  }, [scrollTo, rowHeight]);
  const margin = 10;
  const first = Math.max(0, Math.floor(view.top / rowHeight) - margin);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowHeight) + margin);
  const rows = [];
  for (let index = first; index < last; index++) {
    rows.push(
      <div key={index} class="vrow" style={{ top: `${index * rowHeight}px`, height: `${rowHeight}px` }}>
        {renderRow(index)}
      </div>,
    );
  }
  return (
    <div ref={scroller} class={`vlist ${className ?? ''}`} data-label={label}>
      <div class="vlist-body" style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
