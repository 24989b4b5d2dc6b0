import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { checkKql } from './kusto';

const root = resolve(__dirname, '../..');
const readJson = (path: string): unknown => JSON.parse(readFileSync(resolve(root, path), 'utf8'));

const alertSchema = z
    .object({
        name: z.string().regex(/^[a-z0-9-]+$/),
        description: z.string().min(10),
        severity: z.number().int().min(0).max(4),
        evaluationFrequency: z.string().regex(/^PT\d+[MH]$/),
        windowSize: z.string().regex(/^PT\d+[MH]$/),
        query: z.string().min(1),
        threshold: z.number(),
        operator: z.enum(['GreaterThan', 'GreaterThanOrEqual', 'LessThan', 'LessThanOrEqual', 'Equal']),
        timeAggregation: z.enum(['Count', 'Average', 'Minimum', 'Maximum', 'Total']),
        metricMeasureColumn: z.string().optional(),
    })
    .strict();
const metricAlertSchema = z
    .object({
        name: z.string().regex(/^[a-z0-9-]+$/),
        description: z.string().min(10),
        severity: z.number().int().min(0).max(4),
        evaluationFrequency: z.string().regex(/^PT\d+[MH]$/),
        windowSize: z.string().regex(/^PT\d+[MH]$/),
        metricNamespace: z.string(),
        metricName: z.string(),
        dimensions: z.array(
            z.object({ name: z.string(), operator: z.enum(['Include', 'Exclude']), values: z.array(z.string()) }),
        ),
        threshold: z.number(),
        operator: z.enum(['GreaterThan', 'GreaterThanOrEqual', 'LessThan', 'LessThanOrEqual']),
        timeAggregation: z.enum(['Average', 'Minimum', 'Maximum', 'Total', 'Count']),
    })
    .strict();

/** Every KQL text in a workbook: query items and parameter queries, in groups too. */
function workbookQueries(node: unknown, path = 'workbook'): { where: string; query: string }[] {
    if (Array.isArray(node)) return node.flatMap((child, i) => workbookQueries(child, `${path}[${i}]`));
    if (typeof node !== 'object' || node === null) return [];
    const found: { where: string; query: string }[] = [];
    // Items are named at the item level; their query sits in `content`.
    const name = 'name' in node && typeof node.name === 'string' ? node.name : path;
    if ('query' in node && typeof node.query === 'string') found.push({ where: name, query: node.query });
    for (const [key, value] of Object.entries(node)) {
        if (key !== 'query') found.push(...workbookQueries(value, key === 'content' ? name : `${path}.${key}`));
    }
    return found;
}

/** Workbook parameters are substituted before the query runs; validate with a representative value. */
const substituteParameters = (query: string): string => query.replace(/\{Target\}/g, '*');

const workbook = readJson('infra/monitoring/workbook.json');
const alerts = z.array(alertSchema).parse(readJson('infra/monitoring/alerts.json'));
const metricAlerts = z.array(metricAlertSchema).parse(readJson('infra/monitoring/metricAlerts.json'));
const workbookItems = workbookQueries(workbook);

describe('KQL of the workbook and the alert rules (Kusto.Language, Application Insights schema)', () => {
    it('the checker catches a syntax error and an unknown column', () => {
        expect(checkKql('customEvents | where name == "RunCompleted" | take 1')).toEqual([]);
        expect(checkKql('customEvents | where nmae == "RunCompleted"')).toEqual([
            expect.objectContaining({ code: 'KS142', line: 1 }),
        ]);
        expect(checkKql('customEvents\n| where name ==').length).toBeGreaterThan(0);
        expect(checkKql('availabilityResults | summarize percentile(durationMs, 95)')).not.toEqual([]);
        expect(checkKql('customMetrics | project customMeasurements')).not.toEqual([]);
    });

    it('finds every query in the workbook', () => {
        expect(workbookItems.length).toBeGreaterThanOrEqual(12);
    });

    it.each(workbookItems.map((w) => [w.where, w.query] as const))('workbook %s is valid KQL', (_where, query) => {
        expect(checkKql(substituteParameters(query))).toEqual([]);
    });

    it.each(alerts.map((a) => [a.name, a] as const))('alert %s is valid KQL with a sensible rule', (_name, alert) => {
        expect(checkKql(alert.query)).toEqual([]);
        if (alert.timeAggregation !== 'Count') expect(alert.query).toContain(alert.metricMeasureColumn ?? '<missing>');
        expect(alert.query).not.toMatch(/\{\w+\}/);
    });

    it('ships the alerts on-call asked for, with the documented default thresholds', () => {
        const names = [...alerts, ...metricAlerts].map((a) => a.name);
        for (const required of [
            'sync-cycle-failed',
            'no-successful-cycle',
            'joiner-latency-over-slo',
            'worker-offline-or-job-stuck',
            'staging-mode-skip',
            'dead-lettered-messages',
        ]) {
            expect(names).toContain(required);
        }
        expect(alerts.find((a) => a.name === 'no-successful-cycle')?.windowSize).toBe('PT2H');
        expect(alerts.find((a) => a.name === 'joiner-latency-over-slo')?.threshold).toBe(300_000);
        expect(metricAlerts.find((a) => a.name === 'dead-lettered-messages')?.metricName).toBe('DeadletteredMessages');
    });
});
