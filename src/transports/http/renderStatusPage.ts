import { createHash } from 'node:crypto';

import { STATUS_DAY_MS, type TargetHealth, type TargetStatus, type WindowStatus } from '../../app/statusModel';
import type { LinkedRun, RunLinks, StatusDocument, TargetStatusView } from './statusView';

/** Seconds between automatic reloads: the page is left open on a phone or a wall screen. */
const REFRESH_SECONDS = 30;

const CSS = `
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--muted:#6e7781;--line:#d0d7de;--run:#0969da;--stripe:rgba(127,127,127,.12)}
*{box-sizing:border-box}
body{margin:0 auto;font:14px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:6px 8px;max-width:1100px}
h1{font-size:.95rem;margin:0;display:inline}
h2{font-size:1rem;margin:0 0 2px;overflow-wrap:anywhere}
header{margin-bottom:4px}header p{margin:0;color:var(--muted);font-size:.8rem;display:inline}
a{color:inherit}
.target{border:1px solid var(--line);border-left-width:5px;border-radius:6px;padding:4px 6px;margin:4px 0}
.health-healthy{border-left-color:var(--ok)}.health-warning{border-left-color:var(--warn)}
.health-failing{border-left-color:var(--bad)}.health-unknown{border-left-color:var(--muted)}
.badge{display:inline-block;font-size:.75rem;font-weight:600;padding:0 6px;border-radius:999px;color:#fff;vertical-align:1px;margin-right:6px}
.badge.healthy{background:var(--ok)}.badge.warning{background:var(--warn)}.badge.failing{background:var(--bad)}.badge.unknown{background:var(--muted)}
.line{margin:0;font-size:.75rem;overflow-wrap:anywhere}
.line strong{font-weight:600}
.problem{color:var(--bad);font-weight:600}
.timeline{margin:3px 0 0}
.timeline svg{display:block;width:100%;height:22px;border:1px solid var(--line);border-radius:3px}
.timeline .grid{stroke:var(--line);stroke-width:1}
.axis{display:flex;justify-content:space-between;font-size:.65rem;color:var(--muted);line-height:1.1}
.cycle.succeeded{fill:var(--ok)}.cycle.partiallySucceeded,.cycle.skipped{fill:var(--warn)}.cycle.failed{fill:var(--bad)}
.running{fill:var(--run)}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:11px;line-height:12px;margin-top:3px}
col.ended{width:6.6em}col.took{width:4.2em}col.chg{width:3.4em}col.wait{width:5.6em}col.links{width:5.9em}
th{color:var(--muted);font-weight:600}
th,td{text-align:left;padding:0 4px 1px 0;white-space:nowrap;vertical-align:top;overflow:hidden;text-overflow:ellipsis}
thead th{border-bottom:1px solid var(--line)}
tbody tr:nth-child(even){background:var(--stripe)}
td.num,th.num{text-align:right}
.outcome.failed{color:var(--bad);font-weight:600}.outcome.skipped,.outcome.partiallySucceeded{color:var(--warn);font-weight:600}
.outcome.succeeded{color:var(--ok)}
tr.reason td{padding:0 0 1px 1em;color:var(--muted)}
tr.reason summary{overflow:hidden;text-overflow:ellipsis;list-style:none;cursor:pointer}
tr.reason summary::-webkit-details-marker{display:none}
tr.reason details[open] summary{white-space:normal;overflow-wrap:anywhere}
td.links a{margin-right:6px}
.none{color:var(--muted);margin:0;font-size:.8rem}
@media (min-width:900px){.target{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.25fr);gap:0 14px}
.timeline svg{height:48px}table{margin-top:0}}
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

/** `08:00` on the day of the report, `01-04 23:10` before it (UTC both). */
function shortTime(isoTime: string, reportTime: string): string {
    const sameDay = isoTime.slice(0, 10) === reportTime.slice(0, 10);
    return sameDay ? isoTime.slice(11, 16) : `${isoTime.slice(5, 10)} ${isoTime.slice(11, 16)}`;
}

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
    workerOffline: 'No cycle running: the Hybrid Worker is offline, the job waits in its queue',
    needsAttention: 'No cycle running: the job needs attention (suspended, blocked or disconnected)',
};

/** Only http(s) links are ever written into an href; settings and links are built as such, checked again here. */
function link(href: string | null, text: string, label: string): string {
    if (href === null || !/^https?:\/\//i.test(href)) return '';
    return `<a href="${e(href)}" rel="noopener noreferrer" target="_blank" aria-label="${e(label)}">${e(text)}</a>`;
}

function runLinks(links: RunLinks, seq: number): string {
    return (
        link(links.operation, 'trace', `Telemetry of run ${seq} in Application Insights`) +
        link(links.job, 'job', `Automation job of run ${seq} in the Azure portal`)
    );
}

function windowLine(w: WindowStatus | null, generatedAt: string): string {
    if (w === null) return '';
    return `<p class="line"><strong>Window #${w.seq}</strong>: ${w.changeCount} change(s) (${w.urgentCount} urgent) from ${
        w.requestCount
    } request(s), ${e(w.policy)}, open ${e(humanDuration(w.ageSeconds))}, starts ${e(
        shortTime(w.expectedStartAt, generatedAt),
    )} UTC</p>`;
}

function runLine(r: TargetStatusView['run'], queued = false): string {
    if (r === null) return '';
    const problems: string[] = [];
    if (r.workerOffline) problems.push('Hybrid Worker offline: the job is still queued');
    if (r.needsAttention) problems.push('the job needs attention (suspended, blocked or disconnected)');
    if (r.lastError !== null) problems.push(`last error: ${r.lastError}`);
    const job = r.jobName === null ? 'no job yet' : `job ${r.jobStatus ?? 'created'}`;
    const what = queued ? 'queued behind it, waits for the running cycle' : e(r.phase);
    return `<p class="line"><strong>Run #${r.seq}</strong> ${what} (${e(job)}) for ${e(
        humanDuration(r.sinceSeconds),
    )} · attempt ${r.attempt} · ${e(r.policy)} · ${r.changeCount} change(s) ${runLinks(r.links, r.seq)}${problems
        .map((p) => `<br><span class="problem">${e(p)}</span>`)
        .join('')}</p>`;
}

/** Timeline coordinates: one unit per minute of the day, so a mark's x is its start minute. */
const TIMELINE_WIDTH = 1440;
const TIMELINE_HEIGHT = 20;
/** A 50-second cycle would be invisible at its true width; every mark is at least this wide. */
const MIN_MARK_WIDTH = 6;

function mark(className: string, fromMs: number, toMs: number, dayStart: number, title: string): string {
    const x = Math.max(0, (fromMs - dayStart) / 60_000);
    const end = Math.min(TIMELINE_WIDTH, (toMs - dayStart) / 60_000);
    const width = Math.max(MIN_MARK_WIDTH, end - x);
    const left = Math.min(x, TIMELINE_WIDTH - width);
    return `<rect class="${className}" x="${left.toFixed(1)}" y="3" width="${width.toFixed(1)}" height="${
        TIMELINE_HEIGHT - 6
    }"><title>${e(title)}</title></rect>`;
}

/** The runs that ended in the last 24 hours, as a strip of marks (one per cycle) coloured by outcome. */
function timeline(t: TargetStatusView, generatedAt: string): string {
    const now = Date.parse(generatedAt);
    const dayStart = now - STATUS_DAY_MS;
    const inDay = t.lastRuns.filter((r) => Date.parse(r.endedAt) >= dayStart);
    const grid = [6, 12, 18]
        .map((h) => `<line class="grid" x1="${h * 60}" x2="${h * 60}" y1="0" y2="${TIMELINE_HEIGHT}"/>`)
        .join('');
    const marks = inDay
        .map((r) =>
            mark(
                `cycle ${r.outcomeClass}`,
                Date.parse(r.startedAt),
                Date.parse(r.endedAt),
                dayStart,
                `#${r.seq} ${shortTime(r.endedAt, generatedAt)} UTC ${r.outcome}, ${humanDuration(r.durationSeconds)}`,
            ),
        )
        .join('');
    const running =
        t.run === null ? '' : mark('running', now - t.run.sinceSeconds * 1000, now, dayStart, `#${t.run.seq} running`);
    const hours = [24, 18, 12, 6].map((h) => `<span>-${h} h</span>`).join('');
    return `<div class="timeline"><svg viewBox="0 0 ${TIMELINE_WIDTH} ${TIMELINE_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${
        inDay.length
    } cycle(s) in the last 24 hours">${grid}${marks}${running}</svg><div class="axis">${hours}<span>now</span></div></div>`;
}

/** Column headings; the reason, when there is one, is a row of its own under its run. */
const RUN_COLUMNS = [
    { heading: 'Ended', className: 'ended' },
    { heading: 'Outcome', className: 'outcome' },
    { heading: 'Took', className: 'took num' },
    { heading: 'Chg', className: 'chg num' },
    { heading: 'Chg→end', className: 'wait num' },
    { heading: 'Links', className: 'links' },
] as const;

/** `45s`, `3m05s`, `2h05m`: the table's columns are narrow. */
export function shortDuration(totalSeconds: number): string {
    const s = Math.max(0, Math.round(totalSeconds));
    const two = (n: number): string => String(n).padStart(2, '0');
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
    return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
}

/** Compact units, smallest first. */
const COUNT_UNITS = [
    ['k', 1e3],
    ['M', 1e6],
    ['G', 1e9],
] as const;

/**
 * `980`, `5.0k`, `12k`, `999k`, `1.2M`: at most four characters, so a bulk count fits its narrow column on a phone;
 * the exact count is the cell's title.
 * @param count - a non-negative count
 */
export function compactCount(count: number): string {
    const n = Math.max(0, Math.round(count));
    if (n < 1000) return String(n);
    for (const [unit, size] of COUNT_UNITS) {
        const value = n / size;
        // 9,960 is `10k`, not `10.0k`; 999,600 is `1.0M`, not `1000k`.
        if (Number(value.toFixed(1)) < 10) return `${value.toFixed(1)}${unit}`;
        if (Math.round(value) < 1000) return `${Math.round(value)}${unit}`;
    }
    return `${Math.round(n / 1e9)}G`;
}

function runRows(run: LinkedRun, generatedAt: string): string {
    const row = `<tr class="run"><td title="${e(when(run.endedAt))}">${e(shortTime(run.endedAt, generatedAt))}</td><td class="outcome ${
        run.outcomeClass
    }" title="${e(run.outcome)}">${e(run.outcome)}</td><td class="num">${e(
        shortDuration(run.durationSeconds),
    )}</td><td class="num" title="${e(run.changeCount.toLocaleString('en-US'))} change(s)">${e(compactCount(run.changeCount))}</td><td class="num">${e(shortDuration(run.waitSeconds))}</td><td class="links">${runLinks(
        run.links,
        run.seq,
    )}</td></tr>`;
    if (run.reason === null || run.reason === '') return row;
    // <details> lets a phone show one line and expand the rest on a tap, without a script.
    return `${row}<tr class="reason"><td colspan="${RUN_COLUMNS.length}"><details><summary>${e(
        run.reason,
    )}</summary></details></td></tr>`;
}

function runsTable(t: TargetStatusView, generatedAt: string): string {
    if (t.lastRuns.length === 0) return '<p class="none">No finished runs yet.</p>';
    const cols = RUN_COLUMNS.map((c) => `<col class="${c.className}">`).join('');
    const head = RUN_COLUMNS.map((c) => `<th class="${c.className}">${e(c.heading)}</th>`).join('');
    return `<table class="runs" aria-label="Runs, newest first (times UTC)"><colgroup>${cols}</colgroup><thead><tr>${head}</tr></thead><tbody>${t.lastRuns
        .map((r) => runRows(r, generatedAt))
        .join('')}</tbody></table>`;
}

function targetSection(t: TargetStatusView, index: number, generatedAt: string): string {
    const id = `target-${index}`;
    const lastSuccess = t.lastSuccessAt === null ? 'none recently' : `${shortTime(t.lastSuccessAt, generatedAt)} UTC`;
    return `<section class="target health-${t.health}" aria-labelledby="${id}"><div class="summary"><h2 id="${id}"><span class="badge ${
        t.health
    }">${HEALTH_LABEL[t.health]}</span>${e(t.targetId)}</h2><p class="line">${e(
        ACTIVITY_LABEL[t.activity],
    )} · last success ${e(lastSuccess)}</p>${windowLine(t.window, generatedAt)}${runLine(t.run)}${runLine(t.queued, true)}${timeline(
        t,
        generatedAt,
    )}</div><div class="runs">${runsTable(t, generatedAt)}</div></section>`;
}

/**
 * The on-call status page: one self-contained HTML document (no scripts, no external resources), one compact row
 * per run so a day of runs fits a phone screen, a 24-hour timeline as inline SVG. Every value from state or
 * settings is escaped.
 * @param report - what to show
 */
export function renderStatusPage(report: StatusDocument): string {
    const workbook = link(report.workbookUrl, 'Workbook', 'Open the monitoring workbook');
    const targets =
        report.targets.length === 0
            ? '<p class="none">No targets are configured.</p>'
            : report.targets.map((t, i) => targetSection(t, i, report.generatedAt)).join('');
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
<header><h1>Sync status</h1> <p>${e(when(report.generatedAt).slice(0, 16))} UTC${
        workbook === '' ? '' : ` · ${workbook}`
    }</p></header>
<main>${targets}</main>
<footer><p class="none">Times are UTC. The page reloads every ${REFRESH_SECONDS} s. Chg: changes covered; Chg→end: from the first change to the end of the cycle.</p></footer>
</body>
</html>
`;
}
