import { createHash } from 'node:crypto';

import type {
    FinishedRunStatus,
    RunStatus,
    StatusReport,
    TargetHealth,
    TargetStatus,
    WindowStatus,
} from '../../app/statusModel';

/** Seconds between automatic reloads: the page is left open on a phone or a wall screen. */
const REFRESH_SECONDS = 30;

const CSS = `
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--muted:#6e7781;--line:#d0d7de}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:12px;max-width:1100px;margin-inline:auto}
h1{font-size:1.4rem;margin:0 0 4px}
h2{font-size:1.2rem;margin:0 0 8px;overflow-wrap:anywhere}
h3{font-size:1rem;margin:14px 0 6px}
header p{margin:0;color:var(--muted)}
a{color:inherit}
.target{border:1px solid var(--line);border-left-width:6px;border-radius:8px;padding:12px;margin:14px 0}
.health-healthy{border-left-color:var(--ok)}.health-warning{border-left-color:var(--warn)}
.health-failing{border-left-color:var(--bad)}.health-unknown{border-left-color:var(--muted)}
.badge{display:inline-block;font-size:.8rem;font-weight:600;padding:2px 8px;border-radius:999px;color:#fff;vertical-align:middle;margin-right:6px}
.badge.healthy{background:var(--ok)}.badge.warning{background:var(--warn)}.badge.failing{background:var(--bad)}.badge.unknown{background:var(--muted)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.reason{overflow-wrap:anywhere;min-width:12em}
td{white-space:nowrap}td.reason{white-space:normal}
.outcome-failed{color:var(--bad);font-weight:600}.outcome-skipped,.outcome-partiallySucceeded{color:var(--warn);font-weight:600}
.outcome-succeeded{color:var(--ok)}
.none{color:var(--muted);margin:0}
@media (max-width:600px){body{padding:8px;font-size:15px}
table.runs,table.runs tbody,table.runs tr,table.runs td{display:block;width:100%}
table.runs thead{display:none}
table.runs tr{border-bottom:1px solid var(--line);padding:6px 0}
table.runs td{border:0;padding:1px 0;display:grid;grid-template-columns:9em 1fr;gap:8px;white-space:normal;overflow-wrap:anywhere}
table.runs td::before{content:attr(data-label);color:var(--muted);font-weight:normal}}
`.trim();

/** The inline style's hash, so the Content-Security-Policy can allow exactly it and nothing else. */
const CSS_HASH = createHash('sha256').update(CSS, 'utf8').digest('base64');

/**
 * The page's Content-Security-Policy: no scripts at all, no external resources, only this page's own inline style,
 * no framing, no form posts.
 */
export const STATUS_PAGE_CSP = [
    "default-src 'none'",
    `style-src 'sha256-${CSS_HASH}'`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
].join('; ');

/**
 * Escapes text for HTML content and double- or single-quoted attribute values.
 * @param text - anything shown on the page
 */
export function escapeHtml(text: string): string {
    return text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;');
}

const e = escapeHtml;

/** 45 s, 3 min 5 s, 2 h 5 min. */
export function humanDuration(totalSeconds: number): string {
    const s = Math.max(0, Math.round(totalSeconds));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`;
    const minutes = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${minutes === 0 ? '' : ` ${minutes} min`}`;
}

/** `2026-01-05 08:00:40 UTC`: unambiguous for an on-call person in any time zone. */
const when = (isoTime: string): string => `${isoTime.slice(0, 19).replace('T', ' ')} UTC`;

const HEALTH_LABEL: Record<TargetHealth, string> = {
    healthy: 'Healthy',
    warning: 'Warning',
    failing: 'Failing',
    unknown: 'No runs yet',
};

const ACTIVITY_LABEL: Record<TargetStatus['activity'], string> = {
    idle: 'Idle',
    waiting: 'Changes waiting',
    running: 'Cycle running',
    waitingAndRunning: 'Cycle running, more changes waiting',
};

function definitions(rows: readonly (readonly [string, string])[]): string {
    return `<dl>${rows.map(([term, value]) => `<dt>${e(term)}</dt><dd>${e(value)}</dd>`).join('')}</dl>`;
}

function windowSection(w: WindowStatus | null): string {
    if (w === null) return '<h3>Open window</h3><p class="none">No changes waiting.</p>';
    return `<h3>Open window #${w.seq}</h3>${definitions([
        ['Age', humanDuration(w.ageSeconds)],
        ['Changes', `${w.changeCount} (${w.urgentCount} urgent) from ${w.requestCount} request(s)`],
        ['Policy', w.policy],
        ['Expected start', when(w.expectedStartAt)],
    ])}`;
}

function runSection(r: RunStatus | null): string {
    if (r === null) return '<h3>Current run</h3><p class="none">No cycle running.</p>';
    const rows: [string, string][] = [
        ['Phase', `${r.phase}${r.jobStatus === null ? '' : ` (job ${r.jobStatus})`}`],
        ['For', humanDuration(r.sinceSeconds)],
        ['Attempt', String(r.attempt)],
        ['Policy', r.policy],
        ['Changes', String(r.changeCount)],
        ['Job', r.jobName ?? 'not created yet'],
    ];
    if (r.workerOffline) rows.push(['Problem', 'Hybrid Worker offline: the job is still queued']);
    if (r.needsAttention) rows.push(['Problem', 'The job needs attention (suspended, blocked or disconnected)']);
    if (r.lastError !== null) rows.push(['Last error', r.lastError]);
    return `<h3>Current run #${r.seq}</h3>${definitions(rows)}`;
}

/** Column labels, also repeated per cell (`data-label`) so a phone can show each run as a small card. */
const RUN_COLUMNS = [
    '#',
    'Ended',
    'Outcome',
    'Duration',
    'Change to end',
    'Changes',
    'Export errors',
    'Policy',
    'Reason',
] as const;

function cell(column: (typeof RUN_COLUMNS)[number], text: string, className = ''): string {
    const classAttribute = className === '' ? '' : ` class="${e(className)}"`;
    return `<td data-label="${e(column)}"${classAttribute}>${e(text)}</td>`;
}

function runRow(run: FinishedRunStatus): string {
    return `<tr>${[
        cell('#', String(run.seq)),
        cell('Ended', when(run.endedAt)),
        cell('Outcome', run.outcome, `outcome-${run.outcomeClass}`),
        cell('Duration', humanDuration(run.durationSeconds)),
        cell('Change to end', humanDuration(run.waitSeconds)),
        cell('Changes', String(run.changeCount)),
        cell('Export errors', String(run.exportErrors)),
        cell('Policy', run.policy),
        cell('Reason', run.reason ?? '', 'reason'),
    ].join('')}</tr>`;
}

function lastRunsSection(runs: readonly FinishedRunStatus[]): string {
    if (runs.length === 0) return '<h3>Last runs</h3><p class="none">No finished runs yet.</p>';
    const head = RUN_COLUMNS.map((c) => `<th>${e(c)}</th>`).join('');
    return `<h3>Last runs</h3><div class="scroll"><table class="runs"><thead><tr>${head}</tr></thead><tbody>${runs
        .map(runRow)
        .join('')}</tbody></table></div>`;
}

function targetSection(t: TargetStatus, index: number): string {
    const id = `target-${index}`;
    return `<section class="target health-${t.health}" aria-labelledby="${id}"><h2 id="${id}"><span class="badge ${
        t.health
    }">${HEALTH_LABEL[t.health]}</span>${e(t.targetId)}</h2>${definitions([
        ['Now', ACTIVITY_LABEL[t.activity]],
        ['Last success', t.lastSuccessAt === null ? 'none in recent history' : when(t.lastSuccessAt)],
    ])}${windowSection(t.window)}${runSection(t.run)}${lastRunsSection(t.lastRuns)}</section>`;
}

/**
 * The on-call status page: one self-contained HTML document (no scripts, no external resources), readable on a
 * phone. Every value from state or settings is escaped.
 * @param report - what to show
 */
export function renderStatusPage(report: StatusReport): string {
    // Settings are validated as http(s) already; checked again because an href is where escaping alone is not enough.
    const workbook =
        report.workbookUrl === null || !/^https?:\/\//i.test(report.workbookUrl)
            ? ''
            : ` · <a href="${e(report.workbookUrl)}" rel="noopener noreferrer">Open the monitoring workbook</a>`;
    const targets =
        report.targets.length === 0
            ? '<p class="none">No targets are configured.</p>'
            : report.targets.map(targetSection).join('');
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<meta name="robots" content="noindex">
<title>Entra Connect sync status</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>Entra Connect sync status</h1><p>As of ${e(when(report.generatedAt))} · refreshes every ${REFRESH_SECONDS} s${workbook}</p></header>
<main>${targets}</main>
</body>
</html>
`;
}
