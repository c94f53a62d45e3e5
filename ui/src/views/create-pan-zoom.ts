import { type Accessor, createSignal, onCleanup, onMount } from 'solid-js';

export interface View {
  x: number;
  y: number;
  k: number;
}

const MIN_ZOOM = 0.15;
const MAX_ZOOM = 2.5;
/** Below this, labels (13 px) are too small to read: the first view zooms no further out and starts at the left. */
const READABLE_ZOOM = 0.7;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Pan and zoom over content of a given size in a frame: drag or scroll to pan, Ctrl+wheel to zoom
 * about the pointer, a first view that fits when readable, and bringing a box into view. The frame
 * is measured (and watched) once mounted; until the user moves, a resize fits again.
 */
export function createPanZoom(options: {
  content: Accessor<{ width: number; height: number }>;
  /** How tall the frame should be for the content. */
  frameHeight: Accessor<number>;
}) {
  let frame: HTMLElement | undefined;
  const [size, setSize] = createSignal({ width: 960, height: options.frameHeight() });
  const [view, setView] = createSignal<View>({ x: 0, y: 0, k: 1 });
  const [userMoved, setUserMoved] = createSignal(false);

  const fit = (readable: boolean): void => {
    const { width, height } = size();
    const c = options.content();
    let k = Math.min(width / c.width, height / c.height, 1);
    if (readable) k = Math.max(k, Math.min(READABLE_ZOOM, 1));
    k = clamp(k, MIN_ZOOM, MAX_ZOOM);
    const x = c.width * k <= width ? (width - c.width * k) / 2 : 0;
    const y = c.height * k <= height ? (height - c.height * k) / 2 : 0;
    setView({ x, y, k });
  };
  const zoomAt = (factor: number, cx: number, cy: number): void => {
    setUserMoved(true);
    setView((v) => {
      const k = clamp(v.k * factor, MIN_ZOOM, MAX_ZOOM);
      const ratio = k / v.k;
      return { k, x: cx - (cx - v.x) * ratio, y: cy - (cy - v.y) * ratio };
    });
  };
  const zoomAtCentre = (factor: number): void => zoomAt(factor, size().width / 2, size().height / 2);
  const panBy = (dx: number, dy: number): void => {
    setUserMoved(true);
    setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));
  };
  const overflows = (): boolean => {
    const { k } = view();
    const c = options.content();
    return c.width * k > size().width || c.height * k > size().height;
  };
  /** Pans so the box (in content coordinates) is inside the frame, with a small margin. */
  const reveal = (box: { x: number; y: number; width: number; height: number }): void => {
    const v = view();
    const { width, height } = size();
    const left = v.x + box.x * v.k;
    const top = v.y + box.y * v.k;
    const right = left + box.width * v.k;
    const bottom = top + box.height * v.k;
    let dx = 0;
    let dy = 0;
    if (left < 8) dx = 8 - left;
    else if (right > width - 8) dx = width - 8 - right;
    if (top < 8) dy = 8 - top;
    else if (bottom > height - 8) dy = height - 8 - bottom;
    if (dx || dy) panBy(dx, dy);
  };

  onMount(() => {
    if (!frame) return;
    const measure = (): void => {
      const rect = frame?.getBoundingClientRect();
      if (rect && rect.width > 0) setSize({ width: rect.width, height: options.frameHeight() });
      if (!userMoved()) fit(true);
    };
    measure();
    if (typeof ResizeObserver !== 'undefined') {
      const observer = new ResizeObserver(measure);
      observer.observe(frame);
      onCleanup(() => observer.disconnect());
    }
  });

  let drag: { x: number; y: number; id: number } | undefined;
  const handlers = {
    onPointerDown: (event: PointerEvent): void => {
      if ((event.target as Element).closest('.node')) return;
      drag = { x: event.clientX, y: event.clientY, id: event.pointerId };
      (event.currentTarget as Element).setPointerCapture?.(event.pointerId);
    },
    onPointerMove: (event: PointerEvent): void => {
      if (!drag || drag.id !== event.pointerId) return;
      panBy(event.clientX - drag.x, event.clientY - drag.y);
      drag = { ...drag, x: event.clientX, y: event.clientY };
    },
    onPointerUp: (): void => {
      drag = undefined;
    },
    onWheel: (event: WheelEvent): void => {
      const zooming = event.ctrlKey || event.metaKey;
      // Content that fits leaves the wheel to the page, so scrolling past it does not get stuck.
      if (!zooming && !overflows()) return;
      event.preventDefault();
      if (zooming) {
        const rect = frame?.getBoundingClientRect();
        zoomAt(
          Math.exp(-event.deltaY / 300),
          event.clientX - (rect?.left ?? 0),
          event.clientY - (rect?.top ?? 0),
        );
      } else {
        panBy(-event.deltaX, -event.deltaY);
      }
    },
  };

  return {
    /** Give it to the frame element's `ref`. */
    frameRef: (el: HTMLElement): void => {
      frame = el;
    },
    size,
    view,
    /** Fit: everything in view, however small (the user asked). */
    fitAll: (): void => {
      setUserMoved(true);
      fit(false);
    },
    zoomAtCentre,
    panBy,
    reveal,
    handlers,
  };
}
