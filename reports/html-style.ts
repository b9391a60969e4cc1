/**
 * The report page's stylesheet: system fonts only, dark text on light background, one colour
 * per verdict (PASS green, FAIL red, NON_STRICT amber, SKIPPED grey, UNKNOWN purple, ERROR
 * dark red).
 */
export const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #1f2328; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 0 24px 48px; }
header { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 20px 24px; }
header .inner { max-width: 1180px; margin: 0 auto; }
h1 { margin: 0 0 4px; font-size: 24px; }
h2 { margin-top: 36px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; font-size: 20px; }
h3 { margin-top: 24px; font-size: 16px; }
h4 { margin: 0 0 4px; font-size: 14px; }
.sub { color: #57606a; margin: 0; }
code, pre, .check-id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
nav { margin-top: 12px; }
nav a { margin-right: 16px; }
a { color: #0969da; }
.group { margin-top: 14px; }
.group-name { font-size: 12px; font-weight: 600; color: #57606a; text-transform: uppercase; letter-spacing: 0.04em; margin-bottom: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 14px; min-width: 220px; }
.card .name { font-weight: 600; overflow-wrap: anywhere; }
.card .counts { margin-top: 6px; display: flex; flex-wrap: wrap; gap: 4px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 11.5px; font-weight: 600; white-space: nowrap; }
.v-pass { background: #2e7d32; color: #fff; }
.v-fail { background: #d32f2f; color: #fff; }
.v-non-strict { background: #f4b400; color: #1f2328; }
.v-skipped { background: #c4c9cf; color: #1f2328; }
.v-unknown { background: #7b3fa0; color: #fff; }
.v-error { background: #7f1d1d; color: #fff; }
.v-invalid { background: #000; color: #fff; }
.v-none { background: #f6f8fa; color: #8c959f; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.matrix-scroll { overflow-x: auto; }
.matrix th, .matrix td { vertical-align: middle; }
.matrix thead th { vertical-align: bottom; }
.matrix th.target { max-width: 160px; overflow-wrap: anywhere; font-size: 12.5px; }
.matrix th.check-id { white-space: nowrap; font-weight: 600; }
.matrix td.cell { text-align: center; font-size: 11.5px; font-weight: 600; padding: 0; min-width: 92px; }
.matrix td.cell a { display: block; padding: 5px 6px; color: inherit; text-decoration: none; }
.matrix td.cell a:hover, .matrix td.cell a:focus { text-decoration: underline; }
.matrix td.level { font-size: 12px; color: #57606a; }
.chart-block { margin: 18px 0 28px; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 8px 0; }
.chart-block table { margin-top: 8px; font-size: 12.5px; }
.met { color: #2e7d32; font-weight: 600; }
.missed { color: #d32f2f; font-weight: 600; }
dl.env { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.env dt { color: #57606a; }
dl.env dd { margin: 0; overflow-wrap: anywhere; }
section.evidence { border: 1px solid #d0d7de; border-left-width: 6px; border-radius: 4px; padding: 10px 14px; margin: 10px 0; }
section.evidence:target { outline: 3px solid #0969da; }
section.evidence .meta { color: #57606a; font-size: 12.5px; margin: 2px 0; }
section.evidence .why { margin: 6px 0; }
section.evidence .meta a { margin-left: 8px; }
section.evidence.v-pass-edge { border-left-color: #2e7d32; }
section.evidence.v-fail-edge { border-left-color: #d32f2f; }
section.evidence.v-non-strict-edge { border-left-color: #f4b400; }
section.evidence.v-skipped-edge { border-left-color: #c4c9cf; }
section.evidence.v-unknown-edge { border-left-color: #7b3fa0; }
section.evidence.v-error-edge { border-left-color: #7f1d1d; }
section.evidence.v-invalid-edge { border-left-color: #000; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: 8px 10px; overflow: auto; max-height: 28em; margin: 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
`;
