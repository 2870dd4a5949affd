import {
  ReactNode,
  useCallback,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { makeStyles } from '@material-ui/core';
import {
  type StepNode,
  stepDepths,
} from '@backstage-self-service/plugin-self-service-common';

const useStyles = makeStyles(theme => ({
  graph: {
    position: 'relative',
    overflowX: 'auto',
  },
  // Edges are drawn under the steps, so a line never hides a step's text.
  edges: {
    position: 'absolute',
    top: 0,
    left: 0,
    pointerEvents: 'none',
    overflow: 'visible',
  },
  edge: {
    fill: 'none',
    stroke: theme.palette.divider,
    strokeWidth: 2,
  },
  columns: {
    position: 'relative',
    display: 'flex',
    // Room between columns for the edges to bend in.
    gap: theme.spacing(5),
    listStyle: 'none',
    margin: 0,
    padding: 0,
  },
  column: {
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
    minWidth: 220,
    listStyle: 'none',
    margin: 0,
    padding: 0,
  },
}));

interface Edge {
  from: string;
  to: string;
  path: string;
}

/**
 * The lines from each step to the steps that depend on it, measured from
 * where the steps were laid out: from the right edge of a step to the left
 * edge of its dependent, as a curve. Measured again whenever `layoutKey`
 * changes and whenever the graph changes size, since steps grow as
 * messages and outputs arrive.
 */
function useEdges(steps: ReadonlyArray<StepNode>, layoutKey: string) {
  const container = useRef<HTMLDivElement>(null);
  const boxes = useRef(new Map<string, HTMLElement>());
  const [edges, setEdges] = useState<Edge[]>([]);
  const [size, setSize] = useState({ width: 0, height: 0 });

  const measure = useCallback(() => {
    const root = container.current;
    if (!root) return;
    const origin = root.getBoundingClientRect();
    const next: Edge[] = [];
    for (const step of steps) {
      const to = boxes.current.get(step.id)?.getBoundingClientRect();
      if (!to) continue;
      for (const id of step.dependsOn) {
        const from = boxes.current.get(id)?.getBoundingClientRect();
        if (!from) continue;
        const x1 = from.right - origin.left + root.scrollLeft;
        const y1 = from.top + from.height / 2 - origin.top;
        const x2 = to.left - origin.left + root.scrollLeft;
        const y2 = to.top + to.height / 2 - origin.top;
        const bend = Math.max((x2 - x1) / 2, 8);
        next.push({
          from: id,
          to: step.id,
          path: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${
            x2 - bend
          } ${y2}, ${x2} ${y2}`,
        });
      }
    }
    // Unchanged lines keep their state, so measuring never re-renders alone.
    setEdges(before =>
      JSON.stringify(before) === JSON.stringify(next) ? before : next,
    );
    setSize(before =>
      before.width === root.scrollWidth && before.height === root.scrollHeight
        ? before
        : { width: root.scrollWidth, height: root.scrollHeight },
    );
  }, [steps]);

  useLayoutEffect(measure, [measure, layoutKey]);
  useLayoutEffect(() => {
    const root = container.current;
    if (!root || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(() => measure());
    observer.observe(root);
    return () => observer.disconnect();
  }, [measure]);

  const box = useCallback(
    (id: string) => (element: HTMLElement | null) => {
      if (element) boxes.current.set(id, element);
      else boxes.current.delete(id);
    },
    [],
  );
  return { container, box, edges, size };
}

/** Props of {@link StepGraph}. */
export interface StepGraphProps<T extends StepNode> {
  steps: ReadonlyArray<T>;
  /** The accessible name of the list of columns. */
  label: string;
  /** The accessible name of one step's list item. */
  stepLabel(step: T): string;
  renderStep(step: T): ReactNode;
  /** A class for the line from one step to a step that depends on it. */
  edgeClassName?(from: string, to: string): string | undefined;
  /** Changes whenever what the steps show may change their size. */
  layoutKey?: string;
}

/**
 * Steps as a graph read left to right: a column per depth (a step stands
 * right of everything it depends on), and a line from each step to each
 * step that waits for it. The lines are hidden from assistive technology:
 * each step says in words what it waits for.
 */
export function StepGraph<T extends StepNode>(props: StepGraphProps<T>) {
  const { steps, label, stepLabel, renderStep, edgeClassName } = props;
  const classes = useStyles();
  const { container, box, edges, size } = useEdges(
    steps,
    props.layoutKey ?? '',
  );
  const depths = stepDepths(steps);
  const columns: T[][] = [];
  for (const step of steps) {
    (columns[depths.get(step.id) ?? 0] ??= []).push(step);
  }

  return (
    <div className={classes.graph} ref={container}>
      <svg
        className={classes.edges}
        width={size.width}
        height={size.height}
        aria-hidden="true"
        data-testid="step-edges"
      >
        {edges.map(edge => (
          <path
            key={`${edge.from}->${edge.to}`}
            d={edge.path}
            data-edge={`${edge.from}->${edge.to}`}
            className={`${classes.edge} ${
              edgeClassName?.(edge.from, edge.to) ?? ''
            }`}
          />
        ))}
      </svg>
      <ol className={classes.columns} aria-label={label}>
        {columns.map((column, i) => (
          <li key={i}>
            <ul className={classes.column}>
              {column.map(step => (
                <li
                  key={step.id}
                  aria-label={stepLabel(step)}
                  ref={box(step.id)}
                >
                  {renderStep(step)}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </div>
  );
}
