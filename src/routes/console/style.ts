/** The console's stylesheet, served as `/console/console.css` (a file of its own: the page's CSP allows no inline style). */
export const CONSOLE_STYLE = `:root {
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
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: 0.25rem 0.5rem; }
#console-nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem; list-style: none; padding: 0; margin: 1rem 0; border-bottom: 1px solid var(--line); }
#console-nav a { display: inline-block; padding: 0.4rem 0.75rem; color: var(--text); text-decoration: none; border-radius: 4px 4px 0 0; }
#console-nav a:hover { background: #f6f8fa; }
#console-nav a[aria-current="page"] { font-weight: 700; border-bottom: 3px solid #0969da; }
a:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 2px solid #0969da; outline-offset: 1px; }
#view h2:focus { outline: none; }
.view h3 { margin: 1.5rem 0 0.5rem; }
.facts-grid { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0 0 0.75rem; }
.facts-grid dt { color: var(--muted); }
.facts-grid dd { margin: 0; overflow-wrap: anywhere; }
.hex { font-family: ui-monospace, monospace; font-size: 0.9em; }
.pem pre { max-height: 16rem; overflow: auto; background: #f6f8fa; padding: 0.5rem; font-size: 0.8em; }
.disclosure { margin: 0.5rem 0 1rem; }
.panel { margin-top: 0.5rem; padding: 0.75rem; border: 1px solid var(--line); border-radius: 4px; }
form.action-form { display: block; margin: 0; }
.field { margin: 0 0 0.75rem; }
.field label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
.field input, .field select, .field textarea { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid var(--line); border-radius: 4px; width: 100%; max-width: 40rem; box-sizing: border-box; }
.field textarea { font-family: ui-monospace, monospace; font-size: 0.85em; min-height: 8rem; }
.field .help { margin: 0.25rem 0 0; color: var(--muted); font-size: 0.9em; }
.action { margin: 0.5rem 0; }
.certificate-actions { margin-top: 1rem; }
.verification.status-verified, .delegation.status-active, .state.status-deployed { color: var(--valid); }
.verification.status-pending, .delegation.status-pending, .state.status-pending { color: var(--expiring); }
.verification.status-conflict, .delegation.status-wrong_target, .state.status-failing { color: var(--expired); font-weight: 600; }
.confirm { margin: 0.5rem 0; padding: 0.5rem 0.75rem; border-left: 4px solid var(--expired); background: #ffebe9; }
button.danger { background: var(--expired); border-color: var(--expired); color: #fff; }
.confirm button + button, form.upload button + button { margin-left: 0.5rem; }
.action-form .outcome, .action .outcome { max-width: 40rem; }
.downloads { margin: 0.25rem 0 0; padding-left: 1.25rem; }
.endpoint { margin: 1rem 0; padding: 0.5rem 0.75rem; border-left: 4px solid var(--valid); background: #f6f8fa; }
.endpoint.status-disabled { border-color: var(--revoked); }
.endpoint h3 { margin: 0.25rem 0; overflow-wrap: anywhere; }
.endpoint .actions { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: flex-start; }
.receiver-body { max-height: 8rem; max-width: 40rem; overflow: auto; margin: 0.25rem 0; padding: 0.5rem; background: #fff; border: 1px solid var(--line); font-size: 0.85em; white-space: pre-wrap; overflow-wrap: anywhere; }
.choices { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 0.25rem 1rem; margin: 0 0 0.75rem; padding: 0.5rem 0.75rem; border: 1px solid var(--line); border-radius: 4px; }
.choices legend { font-weight: 600; padding: 0 0.25rem; }
.choices label.choice { font-weight: 400; }
.shown-once { margin: 1rem 0; padding: 0.75rem; border-left: 4px solid var(--expiring); background: #fff8c5; }
.shown-once h3 { margin-top: 0; overflow-wrap: anywhere; }
.shown-once .warning { font-weight: 700; }
.shown-once .secret { display: block; padding: 0.5rem; background: #fff; border: 1px solid var(--line); overflow-wrap: anywhere; user-select: all; }
.this-token { color: var(--valid); font-size: 0.85em; }
tr.revoked { color: var(--muted); }
.table-wrap[tabindex]:focus-visible { outline: 2px solid #0969da; outline-offset: 1px; }
.audit-results td { overflow-wrap: anywhere; }
fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 0 0 0.75rem; padding: 0.5rem 0.75rem; max-width: 40rem; }
legend { font-weight: 600; padding: 0 0.25rem; }
.field input[type="checkbox"] { width: auto; }
.confirm p { margin: 0 0 0.5rem; }
.shown-once code, .client-flags code { display: block; overflow-wrap: anywhere; }
.once-title { font-weight: 600; margin: 0 0 0.25rem; }
.client-flags li { margin-top: 0.5rem; }
.row-actions .disclosure, .row-actions .action { margin: 0 0 0.5rem; }
.ca-actions { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: flex-start; }
.ca-actions .disclosure { flex-basis: 100%; }
.eab-keys h3 { font-size: 1em; }
`;
