import { describe, expect, it } from 'vitest';

import { classifyCallFailure, classifyJobStatus, parseRetryAfter } from '../../../src/adapters/automation';

describe('classifyJobStatus', () => {
    it.each([
        ['New', 'queued'],
        ['Activating', 'queued'],
        ['Running', 'running'],
        ['Resuming', 'running'],
        ['Suspending', 'running'],
        ['Stopping', 'running'],
        ['Removing', 'running'],
        ['Suspended', 'attention'],
        ['Blocked', 'attention'],
        ['Disconnected', 'attention'],
        ['Completed', 'terminal'],
        ['Failed', 'terminal'],
        ['Stopped', 'terminal'],
    ])('%s → %s', (status, kind) => {
        expect(classifyJobStatus(status)).toEqual({ kind, status });
    });

    it('maps the portal wordings Queued and Starting to waiting statuses', () => {
        expect(classifyJobStatus('Queued')).toEqual({ kind: 'queued', status: 'New' });
        expect(classifyJobStatus('Starting')).toEqual({ kind: 'queued', status: 'Activating' });
    });

    it('asks for attention on a status it does not know, rather than guessing', () => {
        expect(classifyJobStatus('Exploded')).toEqual({
            kind: 'attention',
            status: 'Blocked',
            unrecognised: 'Exploded',
        });
    });
});

describe('parseRetryAfter', () => {
    const now = Date.UTC(2026, 0, 5, 8, 0, 0);
    it('reads delta-seconds', () => expect(parseRetryAfter('17', now)).toBe(17_000));
    it('reads an HTTP date', () => expect(parseRetryAfter('Mon, 05 Jan 2026 08:00:30 GMT', now)).toBe(30_000));
    it('never goes negative for a past date', () =>
        expect(parseRetryAfter('Mon, 05 Jan 2026 07:00:00 GMT', now)).toBe(0));
    it('ignores garbage and absence', () => {
        expect(parseRetryAfter('soon', now)).toBeUndefined();
        expect(parseRetryAfter(undefined, now)).toBeUndefined();
    });
});

describe('classifyCallFailure', () => {
    const withStatus = (statusCode: number, code?: string): Error =>
        Object.assign(new Error(`status ${statusCode}`), { statusCode, ...(code === undefined ? {} : { code }) });

    it.each([408, 429, 500, 502, 503, 504])('%s is transient', (status) => {
        expect(classifyCallFailure(withStatus(status), 0).transient).toBe(true);
    });

    it.each([400, 401, 403, 404, 409, 412])('%s is permanent', (status) => {
        expect(classifyCallFailure(withStatus(status), 0).transient).toBe(false);
    });

    it('keeps the service error code', () => {
        expect(classifyCallFailure(withStatus(409, 'Conflict'), 0)).toMatchObject({
            statusCode: 409,
            code: 'Conflict',
        });
    });

    it('treats network errors and timeouts as transient', () => {
        expect(classifyCallFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 0).transient).toBe(true);
        expect(classifyCallFailure(Object.assign(new Error('t'), { type: 'request-timeout' }), 0).transient).toBe(true);
        expect(classifyCallFailure(Object.assign(new Error('a'), { code: 'REQUEST_ABORTED_ERROR' }), 0).transient).toBe(
            true,
        );
    });

    it('treats an unreadable response as permanent', () => {
        const failure = classifyCallFailure(new Error('Error occurred in deserializing the responseBody'), 0);
        expect(failure).toMatchObject({ transient: false, code: 'UnexpectedResponse' });
    });

    it('bounds the message to one short line', () => {
        const failure = classifyCallFailure(new Error(`line one\nline two ${'x'.repeat(1000)}`), 0);
        expect(failure.message).not.toContain('\n');
        expect(failure.message.length).toBeLessThanOrEqual(300);
    });
});
