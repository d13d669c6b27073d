/** The dashboard's stylesheet, served as `/dashboard.css` (a file of its own: the page's CSP allows no inline style). */
export const DASHBOARD_STYLE = `:root {
  color-scheme: light;
  --text: #1f2328;
  --muted: #59636e;
  --line: #d1d9e0;
  --valid: #1a7f37;
  --expiring: #9a6700;
  --expired: #cf222e;
  --revoked: #59636e;
}
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; padding: 0 1rem; max-width: 80rem; color: var(--text); }
h1 { margin-bottom: 0.25rem; }
header ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; list-style: none; padding: 0; }
form { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; margin: 1rem 0; }
form label { font-weight: 600; }
form input { flex: 1 1 20rem; font: inherit; padding: 0.35rem 0.5rem; border: 1px solid var(--line); border-radius: 4px; }
form p { flex-basis: 100%; margin: 0; color: var(--muted); font-size: 0.9em; }
button { font: inherit; padding: 0.3rem 0.75rem; border: 1px solid var(--line); border-radius: 4px; background: #f6f8fa; color: var(--text); cursor: pointer; }
button:disabled { cursor: progress; opacity: 0.6; }
button:focus-visible, input:focus-visible { outline: 2px solid #0969da; outline-offset: 1px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding-bottom: 0.5rem; }
th, td { text-align: left; vertical-align: top; padding: 0.5rem; border-bottom: 1px solid var(--line); }
thead th { white-space: nowrap; }
thead th button { border: none; background: none; padding: 0; font-weight: 700; text-decoration: underline dotted; }
thead th .direction { font-weight: 400; color: var(--muted); }
tbody th { font-weight: 600; min-width: 12rem; overflow-wrap: anywhere; }
.names, .until { display: block; font-size: 0.85em; font-weight: 400; color: var(--muted); }
.days-left { font-weight: 700; font-variant-numeric: tabular-nums; }
.bar { display: block; width: 8rem; height: 0.5rem; margin: 0.25rem 0; background: #eaeef2; border-radius: 4px; overflow: hidden; }
.bar .fill { display: block; height: 100%; width: 0; }
.bar.status-valid .fill { background: var(--valid); }
.bar.status-expiring_soon .fill { background: var(--expiring); }
.bar.status-expired .fill, .bar.status-revoked .fill { background: var(--expired); }
.state.status-valid { color: var(--valid); }
.state.status-expiring_soon { color: var(--expiring); font-weight: 600; }
.state.status-expired { color: var(--expired); font-weight: 700; }
.state.status-revoked { color: var(--revoked); }
tr.status-expired, tr.status-expiring_soon { background: #fff8c5; }
tr.status-expired { background: #ffebe9; }
.nearest { font-weight: 600; padding: 0.5rem 0.75rem; border-left: 4px solid var(--valid); background: #f6f8fa; }
.nearest.status-expiring_soon { border-color: var(--expiring); }
.nearest.status-expired { border-color: var(--expired); }
.facts { margin: 0; padding: 0; list-style: none; }
.failures, .error { color: var(--expired); }
.queued { font-weight: 600; }
.muted { color: var(--muted); }
.outcome { display: block; max-width: 18rem; margin-top: 0.25rem; font-size: 0.9em; }
.note { color: var(--muted); font-size: 0.9em; }
#cas { margin-top: 2rem; }
.ca { margin: 1rem 0; padding: 0.5rem 0.75rem; border-left: 4px solid var(--valid); background: #f6f8fa; }
.ca.status-disabled { border-color: var(--revoked); }
.ca h3 { margin: 0.25rem 0; overflow-wrap: anywhere; }
.ca-facts { display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; margin-bottom: 0.5rem; }
.ca-fingerprint, .serial { font-family: ui-monospace, monospace; font-size: 0.9em; }
.state.status-active { color: var(--valid); }
.state.status-disabled { color: var(--revoked); font-weight: 600; }
table.issued { background: #fff; }
.directory-url code { overflow-wrap: anywhere; }
.copyable { user-select: all; }
.ca-constraints { margin-bottom: 0.5rem; font-size: 0.9em; }
.constraint-label { color: var(--muted); }
.constraint-values { overflow-wrap: anywhere; }
.more { margin: 0.5rem 0; }
.more .outcome { display: inline; margin-left: 0.5rem; }
.names-cell { overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
`;
