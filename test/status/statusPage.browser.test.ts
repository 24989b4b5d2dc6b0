import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { findExecutable, itWithTool, type RequiredTool } from '../support/requiredTool';
import { hostileSource, IMG_REASON, SCRIPT_ID, startStatusServer } from './statusFixtures';

/** Debian's Chromium (`chromium` on PATH, as scripts/install-tools.sh installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM: RequiredTool = {
    name: 'Chromium (headless browser for the status page test)',
    path: findExecutable(process.env.CHROMIUM_PATH ?? 'chromium'),
    install: 'npm run tools (as root: apt-get install chromium; or set CHROMIUM_PATH to a Chromium binary)',
};
const SCREENSHOT = resolve(__dirname, '../../test-results/status-page.png');

describe('status page in headless Chromium (Debian) via playwright-core', () => {
    let browser: Browser | undefined;
    let server: { url: string; close(): Promise<void> } | undefined;

    beforeAll(async () => {
        if (CHROMIUM.path === null) return;
        server = await startStatusServer(hostileSource());
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
        await server?.close();
    });

    itWithTool(
        CHROMIUM,
        'shows hostile strings as text on a phone, runs no script, applies its CSP-allowed style',
        async () => {
            if (browser === undefined || server === undefined) throw new Error('not started');
            const context = await browser.newContext({
                viewport: { width: 390, height: 844 },
                deviceScaleFactor: 2,
                isMobile: true,
                hasTouch: true,
            });
            const page = await context.newPage();
            const dialogs: string[] = [];
            const cspViolations: string[] = [];
            page.on('dialog', (dialog) => {
                dialogs.push(dialog.message());
                void dialog.dismiss();
            });
            page.on('console', (message) => {
                if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
            });
            const requested: string[] = [];
            page.on('request', (request) => requested.push(request.url()));

            const response = await page.goto(`${server.url}/api/status/page`);
            expect(response?.status()).toBe(200);
            expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");

            // Hostile strings are visible literally, as text.
            await expect(page.getByRole('heading', { level: 2, name: SCRIPT_ID }).isVisible()).resolves.toBe(true);
            await expect(page.getByText(IMG_REASON).first().isVisible()).resolves.toBe(true);
            await expect(page.getByText(`${SCRIPT_ID} & more`).isVisible()).resolves.toBe(true);
            // …and never became markup.
            expect(await page.locator('script').count()).toBe(0);
            expect(await page.locator('img').count()).toBe(0);
            expect(await page.locator('b').count()).toBe(0);
            expect(dialogs).toEqual([]);

            // The content on-call needs.
            const text = await page.locator('main').innerText();
            for (const expected of [
                'Failing',
                'Healthy',
                'No runs yet',
                'Open window #4',
                '7 (0 urgent) from 3 request(s)',
                'Current run #3',
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
            expect(cspViolations).toEqual([]);
            // Expressions as strings: this project compiles without the DOM library.
            const badge = await page.evaluate(
                "getComputedStyle(document.querySelector('.badge.failing')).backgroundColor",
            );
            expect(badge).not.toBe('rgba(0, 0, 0, 0)');

            // Phone layout: the page itself does not scroll sideways (wide tables scroll in their own box).
            const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
            expect(Number(overflow)).toBeLessThanOrEqual(0);
            expect(requested.every((url) => url.startsWith(server?.url ?? '-'))).toBe(true);

            mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
            await page.screenshot({ path: SCREENSHOT, fullPage: true });
            expect(existsSync(SCREENSHOT)).toBe(true);

            const json = await page.request.get(`${server.url}/api/status`);
            expect(json.headers()['content-type']).toBe('application/json');
            expect(((await json.json()) as { targets: { targetId: string }[] }).targets[0]?.targetId).toBe(SCRIPT_ID);
            await context.close();
        },
    );
});
