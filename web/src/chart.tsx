// One ECharts chart (only the parts the console draws: lines, bars and heatmaps on a canvas).
// Tooltips render on the canvas too (richText): HTML tooltips would carry inline styles, which
// the console's Content-Security-Policy refuses.
import { BarChart, HeatmapChart, LineChart } from "echarts/charts";
import {
  GridComponent, LegendComponent, TooltipComponent, VisualMapComponent,
} from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "./i18n";

echarts.use([LineChart, BarChart, HeatmapChart, GridComponent, LegendComponent, TooltipComponent,
  VisualMapComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;
export interface ChartClick {
  seriesIndex: number;
  dataIndex: number;
  seriesName?: string;
  name?: string;
  value?: unknown;
}

/// The figures behind a chart, as a table under it (folded): for keyboards and screen readers,
/// and each figure a link to what it counts, as a click on the chart is.
export interface Figures {
  head: string[];
  rows: { text: string; href?: string }[][];
}

/// With `image`, the chart is also drawn as a PNG <img> in place of the canvas: for the report's
/// export (`lobbyctl report monthly -o html` keeps the page's DOM, and a canvas holds nothing).
export function Chart({ option, onClick, label, tall, figures, image }: {
  option: ChartOption; onClick?: (p: ChartClick) => void; label: string; tall?: boolean; figures?: Figures;
  image?: boolean;
}) {
  const el = useRef<HTMLDivElement>(null);
  const [png, setPng] = useState("");
  const chart = useRef<echarts.ECharts>();
  const click = useRef(onClick);
  click.current = onClick;
  useEffect(() => {
    const c = echarts.init(el.current!, undefined, { renderer: "canvas" });
    chart.current = c;
    c.on("click", (p) => click.current?.(p as unknown as ChartClick));
    // Drawn to the end (animations done): for a picture of the page to wait for.
    c.on("finished", () => el.current?.setAttribute("data-drawn", "1"));
    const resize = () => c.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      c.dispose();
    };
  }, []);
  useEffect(() => {
    el.current?.removeAttribute("data-drawn");
    chart.current?.setOption({ tooltip: { renderMode: "richText" }, ...option }, true);
    if (image && chart.current)
      setPng(chart.current.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" }));
  }, [option]);
  return (
    <>
      <div class={`${tall ? "chart tall" : "chart"}${png ? " drawn" : ""}`} ref={el} role="img" aria-label={label} />
      {png && <img class="chart-image" src={png} alt={label} />}
      {figures && (
        <details class="figures">
          <summary>{t("figures")}</summary>
          <table aria-label={label}>
            <thead><tr>{figures.head.map((h) => <th>{h}</th>)}</tr></thead>
            <tbody>{figures.rows.map((r) => (
              <tr>{r.map((c) => <td>{c.href ? <a href={c.href}>{c.text}</a> : c.text}</td>)}</tr>
            ))}</tbody>
          </table>
        </details>
      )}
    </>
  );
}
