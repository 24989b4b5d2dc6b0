import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import type { StatusSource } from '../../src/transports/http/statusHandler';
import { findExecutable, itWithTool, type RequiredTool } from '../support/requiredTool';
import {
    BULK_COUNTS,
    bulkSource,
    DAY_REASONS,
    DAY_RUNS,
    daySource,
    hostileSource,
    IMG_REASON,
    SCRIPT_ID,
    startStatusServer,
} from './statusFixtures';

/** Debian's Chromium (`chromium` on PATH, as scripts/install-tools.sh installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM: RequiredTool = {
    name: 'Chromium (headless browser for the status page test)',
    path: findExecutable(process.env.CHROMIUM_PATH ?? 'chromium'),
    install: 'npm run tools (as root: apt-get install chromium; or set CHROMIUM_PATH to a Chromium binary)',
};

/**
 * Screenshots go to a temporary folder that is removed afterwards, or, when STATUS_SCREENSHOTS_DIR names a folder,
 * are kept there (`STATUS_SCREENSHOTS_DIR=/some/dir npx vitest run test/status/statusPage.browser.test.ts`).
 */
const KEEP_SCREENSHOTS = process.env.STATUS_SCREENSHOTS_DIR;
const SCREENSHOTS = KEEP_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'status-page-'));

const SIZES = {
    phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
    desktop: { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false },
} as const;

interface Server {
    url: string;
    close(): Promise<void>;
}

describe('status page in headless Chromium (Debian) via playwright-core', () => {
    let browser: Browser | undefined;
    const servers: Server[] = [];

    beforeAll(async () => {
        if (CHROMIUM.path === null) return;
        browser = await chromium.launch({
            executablePath: CHROMIUM.path,
            args: [
                '--headless',
                '--no-sandbox',
                '--disable-gpu',
                '--disable-quic',
                '--no-first-run',
                '--disable-background-networking',
                '--disable-component-update',
                '--disable-sync',
            ],
        });
    });

    afterAll(async () => {
        await browser?.close();
        for (const server of servers) await server.close();
        if (KEEP_SCREENSHOTS === undefined) rmSync(SCREENSHOTS, { recursive: true, force: true });
    });

    async function serve(source: StatusSource): Promise<Server> {
        const server = await startStatusServer(source);
        servers.push(server);
        return server;
    }

    /** A page at one of the sizes, recording dialogs, CSP violations and every URL it requests. */
    async function open(size: keyof typeof SIZES, url: string) {
        if (browser === undefined) throw new Error('not started');
        const context: BrowserContext = await browser.newContext({ ...SIZES[size], deviceScaleFactor: 2 });
        const page: Page = await context.newPage();
        const seen = { dialogs: [] as string[], cspViolations: [] as string[], requested: [] as string[] };
        page.on('dialog', (dialog) => {
            seen.dialogs.push(dialog.message());
            void dialog.dismiss();
        });
        page.on('console', (message) => {
            if (/Content Security Policy/i.test(message.text())) seen.cspViolations.push(message.text());
        });
        page.on('request', (request) => seen.requested.push(request.url()));
        const response = await page.goto(url);
        expect(response?.status()).toBe(200);
        expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
        return { context, page, seen };
    }

    async function screenshot(page: Page, name: string): Promise<void> {
        mkdirSync(SCREENSHOTS, { recursive: true });
        const path = join(SCREENSHOTS, name);
        await page.screenshot({ path });
        expect(existsSync(path)).toBe(true);
    }

    itWithTool(
        CHROMIUM,
        'shows hostile strings as text on a phone, runs no script, applies its CSP-allowed style',
        async () => {
            const server = await serve(hostileSource());
            const { context, page, seen } = await open('phone', `${server.url}/api/status/page`);

            // Hostile strings are visible literally, as text.
            await expect(page.getByRole('heading', { level: 2, name: SCRIPT_ID }).isVisible()).resolves.toBe(true);
            await expect(page.getByText(IMG_REASON).first().isVisible()).resolves.toBe(true);
            await expect(page.getByText(`${SCRIPT_ID} & more`).isVisible()).resolves.toBe(true);
            // …and never became markup.
            expect(await page.locator('script').count()).toBe(0);
            expect(await page.locator('img').count()).toBe(0);
            expect(await page.locator('b').count()).toBe(0);
            expect(seen.dialogs).toEqual([]);

            // The content on-call needs.
            const text = await page.locator('main').innerText();
            for (const expected of [
                'Failing',
                'Healthy',
                'No runs yet',
                'Window #4',
                '7 change(s) (0 urgent) from 3 request(s)',
                'Run #3',
                'Hybrid Worker offline',
                'CompletedWithExportErrors',
                'fabrikam',
            ]) {
                expect(text).toContain(expected);
            }
            const workbook = page.getByRole('link', { name: 'Open the monitoring workbook' });
            expect(await workbook.getAttribute('href')).toBe(
                'https://portal.azure.com/#blade/workbook?x="><script>alert(2)</script>',
            );

            // The inline style is allowed by the CSP hash (else badges would have no background).
            expect(seen.cspViolations).toEqual([]);
            // Expressions as strings: this project compiles without the DOM library.
            const badge = await page.evaluate(
                "getComputedStyle(document.querySelector('.badge.failing')).backgroundColor",
            );
            expect(badge).not.toBe('rgba(0, 0, 0, 0)');
            expect(seen.requested.every((url) => url.startsWith(server.url))).toBe(true);
            await screenshot(page, 'hostile-phone.png');

            const json = await page.request.get(`${server.url}/api/status`);
            expect(json.headers()['content-type']).toBe('application/json');
            expect(((await json.json()) as { targets: { targetId: string }[] }).targets[0]?.targetId).toBe(SCRIPT_ID);
            await context.close();
        },
    );

    for (const size of ['phone', 'desktop'] as const) {
        itWithTool(
            CHROMIUM,
            `shows a day of runs (${DAY_RUNS}) on one ${size} screen (${SIZES[size].viewport.width}×${SIZES[size].viewport.height}), with a timeline mark per cycle`,
            async () => {
                const server = await serve(daySource());
                const { context, page, seen } = await open(size, `${server.url}/api/status/page`);
                const { width, height } = SIZES[size].viewport;

                // Every run row, the reason rows included, lies inside the first screen, and nothing scrolls sideways.
                const rows = page.locator('tr.run');
                expect(await rows.count()).toBe(DAY_RUNS);
                const reasons = page.locator('tr.reason');
                expect(await reasons.count()).toBe(DAY_REASONS.size);
                for (const row of [...(await rows.all()), ...(await reasons.all())]) {
                    const box = await row.boundingBox();
                    if (box === null) throw new Error('a row is not rendered');
                    expect(box.y).toBeGreaterThanOrEqual(0);
                    expect(box.y + box.height).toBeLessThanOrEqual(height);
                    expect(box.x + box.width).toBeLessThanOrEqual(width);
                }
                const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
                expect(Number(overflow)).toBeLessThanOrEqual(0);

                // The 24-hour timeline: inline SVG, one mark per cycle, plus the running one.
                const svg = page.locator('.timeline svg');
                expect(await svg.count()).toBe(1);
                expect(await page.locator('.timeline svg rect.cycle').count()).toBe(DAY_RUNS);
                expect(await page.locator('.timeline svg rect.running').count()).toBe(1);
                const svgBox = await svg.boundingBox();
                expect(svgBox?.width ?? 0).toBeGreaterThan(width / 3);

                // Links from the settings: telemetry and job per run, the running job too.
                expect(await page.locator('tr.run a', { hasText: 'trace' }).count()).toBe(DAY_RUNS);
                expect(await page.locator('tr.run a', { hasText: 'job' }).count()).toBe(DAY_RUNS);
                const hrefs = await page
                    .locator('a')
                    .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
                expect(
                    hrefs.every((href) => href.startsWith('https://portal.azure.com/#@contoso.onmicrosoft.com/')),
                ).toBe(true);

                // No script at all, the style allowed by its hash, no request but the page itself.
                expect(await page.locator('script').count()).toBe(0);
                expect(await page.evaluate('document.querySelectorAll("[onclick],[onload],[onerror]").length')).toBe(0);
                expect(seen.cspViolations).toEqual([]);
                expect(seen.requested).toEqual([`${server.url}/api/status/page`]);
                const failedColour = await page.evaluate(
                    "getComputedStyle(document.querySelector('rect.cycle.failed')).fill",
                );
                expect(failedColour).toBe('rgb(207, 34, 46)');

                // A reason shows one line and opens on a tap, without a script.
                const reason = reasons.first().locator('summary');
                const closedHeight = (await reason.boundingBox())?.height ?? 0;
                await reason.click();
                expect(await reasons.first().locator('details').getAttribute('open')).not.toBeNull();
                expect((await reason.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(closedHeight);
                await reason.click();

                await screenshot(page, `${size}.png`);
                await context.close();
            },
        );
    }

    for (const size of ['phone', 'desktop'] as const) {
        itWithTool(
            CHROMIUM,
            `shows bulk counts whole at ${SIZES[size].viewport.width} px (compact units, the exact count as title), and a stuck worker as no cycle running`,
            async () => {
                const server = await serve(bulkSource());
                const { context, page } = await open(size, `${server.url}/api/status/page`);

                // No number cell is cut: its content fits its width (an ellipsis would make it wider than its box).
                const clipped = await page.evaluate(
                    "[...document.querySelectorAll('tr.run td.num, tr.run td:first-child')].filter((td) => td.scrollWidth > td.clientWidth).map((td) => td.textContent)",
                );
                expect(clipped).toEqual([]);
                const chg = page.locator('tr.run td:nth-child(4)');
                expect(await chg.allInnerTexts()).toEqual(BULK_COUNTS.map(([, shown]) => shown));
                const titles = await chg.evaluateAll((cells) => cells.map((td) => td.getAttribute('title')));
                expect(titles).toEqual(BULK_COUNTS.map(([n]) => `${n.toLocaleString('en-US')} change(s)`));
                const took = await page.locator('tr.run td:nth-child(3)').allInnerTexts();
                expect(took[1]).toBe('2h05m');
                const wait = await page.locator('tr.run td:nth-child(5)').allInnerTexts();
                expect(wait[3]).toBe('23h59m');

                // The activity line says what is true: the job waits for an offline worker, no cycle runs.
                const activity = await page.locator('section.target .summary > p.line').first().innerText();
                expect(activity).toMatch(/^No cycle running: the Hybrid Worker is offline/);
                expect(activity).not.toContain('Cycle running');
                await screenshot(page, `bulk-${size}.png`);
                await context.close();
            },
        );
    }

    itWithTool(CHROMIUM, 'shows no link at all when the portal settings are absent', async () => {
        const server = await serve(daySource(null));
        const { context, page } = await open('phone', `${server.url}/api/status/page`);
        expect(await page.locator('tr.run').count()).toBe(DAY_RUNS);
        expect(await page.locator('main a').count()).toBe(0);
        await context.close();
    });
});
