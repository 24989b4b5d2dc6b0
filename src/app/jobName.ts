import { createHash, randomBytes } from 'node:crypto';

/** Fixed namespace for job names (a random v4 GUID chosen once for this project). */
const JOB_NAMESPACE = 'b3f4c1de-5a8e-4c4e-9a57-2f0f3c7e9d21';

/**
 * The deterministic job name (a UUIDv5, the form Automation's own tooling uses) of one attempt of one run in one
 * state lifetime. A retried create with the same name is answered "already exists", which the Automation adapter
 * turns into "already started"; the epoch keeps a new lifetime (a lost or recreated state, another deployment on
 * the same account) from ever meeting an old job's name.
 * @param targetId - the target
 * @param epoch - the target state's epoch
 * @param seq - the run's seq
 * @param attempt - the attempt number
 */
export function jobNameFor(targetId: string, epoch: string, seq: number, attempt: number): string {
    return uuidV5(`${targetId}/${epoch}/${seq}/${attempt}`, JOB_NAMESPACE);
}

/** A fresh epoch: 8 random hex digits, enough that two lifetimes of one target never share one. */
export function newEpoch(): string {
    return randomBytes(4).toString('hex');
}

function uuidV5(name: string, namespace: string): string {
    const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
    const bytes = hash.subarray(0, 16);
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
