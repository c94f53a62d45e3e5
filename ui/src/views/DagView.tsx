import type { GateResult, RunGraph, StepResult } from '@dockercise/shared';
import { createMemo, For, Show, untrack } from 'solid-js';
import { type Layout, type LayoutNode, layoutGraph, NODE_HEIGHT, widthOf } from '../model/dag-layout.js';
import { GATE_WORDS, gateSymbol, statusSymbol, statusWords } from '../model/format.js';
import { createPanZoom } from './create-pan-zoom.js';

export interface Selection {
  kind: 'step' | 'gate';
  name: string;
}

const MAX_VIEW_HEIGHT = 480;
const MIN_VIEW_HEIGHT = 160;

/**
 * The run's DAG as SVG: steps as boxes coloured by status (a running step pulses), gates as
 * diamonds, dependencies as curves left to right. Pan by dragging or scrolling, zoom with
 * Ctrl+wheel or the buttons; every node is a button reachable with Tab.
 */
export function DagView(props: {
  graph: RunGraph;
  steps: readonly StepResult[];
  gates: readonly GateResult[];
  selected?: Selection | undefined;
  onSelect: (selection: Selection) => void;
}) {
  // The graph arrives anew at every poll; lay it out again only when its shape changed.
  const shape = createMemo(
    () =>
      JSON.stringify(props.graph.steps.map((s) => [s.name, s.needs, s.gate ?? ''])) +
      JSON.stringify(props.graph.gates.map((g) => g.name)),
  );
  // A memo of a string notifies only when the string changes, so this runs once per shape.
  const layout = createMemo<Layout>(() => {
    shape();
    return layoutGraph(untrack(() => props.graph));
  });

  const stepStatus = createMemo(() => new Map(props.steps.map((s) => [s.name, s.status])));
  const gateStatus = createMemo(() => new Map(props.gates.map((g) => [g.name, g.status])));
  const allowedFailure = createMemo(
    () => new Set(props.steps.filter((s) => s.allowedFailure).map((s) => s.name)),
  );

  // As tall as the graph needs, up to a limit: a three-step run does not get a screenful of nothing.
  const viewHeight = (): number => clamp(layout().height + 24, MIN_VIEW_HEIGHT, MAX_VIEW_HEIGHT);
  const panZoom = createPanZoom({ content: () => layout(), frameHeight: viewHeight });
  const view = panZoom.view;
  /** A node reached with Tab is brought into view. */
  const reveal = (node: LayoutNode): void =>
    panZoom.reveal({ x: node.x, y: node.y, width: widthOf(node), height: NODE_HEIGHT });

  const isSelected = (node: LayoutNode): boolean =>
    props.selected?.kind === node.kind && props.selected.name === node.name;
  const statusOf = (node: LayoutNode): string =>
    node.kind === 'step'
      ? (stepStatus().get(node.name) ?? 'pending')
      : (gateStatus().get(node.name) ?? 'waiting');
  const labelOf = (node: LayoutNode): string =>
    node.kind === 'step'
      ? `step ${node.name}: ${statusWords((stepStatus().get(node.name) ?? 'pending') as StepResult['status'])}${allowedFailure().has(node.name) ? ' (allowed to fail)' : ''}`
      : `approval gate ${node.name}: ${GATE_WORDS[gateStatus().get(node.name) ?? 'waiting']}`;
  const selectedId = (): string | undefined =>
    props.selected ? `${props.selected.kind}:${props.selected.name}` : undefined;

  return (
    <div class="dag">
      <div class="dag-toolbar" role="toolbar" aria-label="Graph view">
        <button
          type="button"
          class="button quiet"
          aria-label="Zoom in"
          onClick={() => panZoom.zoomAtCentre(1.25)}
        >
          +
        </button>
        <button
          type="button"
          class="button quiet"
          aria-label="Zoom out"
          onClick={() => panZoom.zoomAtCentre(0.8)}
        >
          −
        </button>
        <button type="button" class="button quiet" onClick={() => panZoom.fitAll()}>
          Fit
        </button>
        <span class="dag-hint">Drag or scroll to pan · Ctrl+scroll to zoom</span>
      </div>
      <div
        class="dag-frame"
        ref={panZoom.frameRef}
        onPointerDown={panZoom.handlers.onPointerDown}
        onPointerMove={panZoom.handlers.onPointerMove}
        onPointerUp={panZoom.handlers.onPointerUp}
        onPointerCancel={panZoom.handlers.onPointerUp}
        onWheel={panZoom.handlers.onWheel}
      >
        {/* biome-ignore lint/a11y/useSemanticElements: an SVG cannot hold a fieldset; the group names the graph */}
        <svg
          class="dag-svg"
          width="100%"
          height={viewHeight()}
          role="group"
          aria-label={`Pipeline graph: ${props.graph.steps.length} steps, ${props.graph.gates.length} approval gates`}
          data-nodes={layout().nodes.length}
        >
          <defs>
            <marker
              id="arrow"
              viewBox="0 0 8 8"
              refX="7"
              refY="4"
              markerWidth="7"
              markerHeight="7"
              orient="auto"
            >
              <path d="M0,0 L8,4 L0,8 z" class="edge-arrow" />
            </marker>
          </defs>
          <g transform={`translate(${view().x},${view().y}) scale(${view().k})`}>
            <For each={layout().edges}>
              {(edge) => (
                <path
                  class="edge"
                  classList={{ highlighted: edge.from === selectedId() || edge.to === selectedId() }}
                  d={edge.path}
                  marker-end="url(#arrow)"
                />
              )}
            </For>
            <For each={layout().nodes}>
              {(node) => (
                // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; the <g> takes its role, focus and keys
                <g
                  class={`node ${node.kind} status-${statusOf(node)}`}
                  classList={{ selected: isSelected(node), allowed: allowedFailure().has(node.name) }}
                  transform={`translate(${node.x},${node.y})`}
                  role="button"
                  tabindex="0"
                  aria-label={labelOf(node)}
                  aria-pressed={isSelected(node)}
                  data-node={node.id}
                  data-status={statusOf(node)}
                  onClick={() => props.onSelect({ kind: node.kind, name: node.name })}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter' || event.key === ' ') {
                      event.preventDefault();
                      props.onSelect({ kind: node.kind, name: node.name });
                    }
                  }}
                  onFocus={() => reveal(node)}
                >
                  <title>{labelOf(node)}</title>
                  <Show
                    when={node.kind === 'step'}
                    fallback={
                      <>
                        <rect
                          class="shape"
                          x="6"
                          y="6"
                          width="28"
                          height="28"
                          rx="3"
                          transform="rotate(45 20 20)"
                        />
                        <text class="symbol" x="20" y="25" text-anchor="middle">
                          {gateSymbol(gateStatus().get(node.name) ?? 'waiting')}
                        </text>
                        <text class="gate-label" x="20" y={NODE_HEIGHT + 14} text-anchor="middle">
                          {truncate(node.name, 24)}
                        </text>
                      </>
                    }
                  >
                    <rect class="shape" width={widthOf(node)} height={NODE_HEIGHT} rx="8" />
                    <text class="symbol" x="16" y="25" text-anchor="middle">
                      {statusSymbol((stepStatus().get(node.name) ?? 'pending') as StepResult['status'])}
                    </text>
                    <text class="label" x="30" y="25">
                      {truncate(node.name, 18)}
                    </text>
                  </Show>
                </g>
              )}
            </For>
          </g>
        </svg>
      </div>
    </div>
  );
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const truncate = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;
