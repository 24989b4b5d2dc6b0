import type { TableClient } from '@azure/data-tables';

import type { RunSummary, TargetState } from '../../domain/targetState';
import { ConcurrencyConflictError, PermanentDependencyError } from '../../errors';
import type { StoredTargetState, TargetStateStore } from '../../ports/targetStateStore';
import { getEntityOrNull } from './getEntityOrNull';
import { documentProperties, parseDocument } from './tableDocuments';
import { isEntityAlreadyExists, isNotFound, isUpdateConditionNotSatisfied, toDependencyError } from './tableErrors';
import { safeKey, seqRowKey } from './tableKeys';
import { runSummarySchema, storedDocument, targetStateSchema } from './targetStateSchema';

/** Partition of the target state entities; one row per target. */
export const TARGET_PARTITION = 'target';

/**
 * Partition of a target's finished runs; rows are zero-padded seqs so they list oldest first.
 * @param targetId - the target
 */
function runPartition(targetId: string): string {
    return `run|${safeKey(targetId)}`;
}

/**
 * Target state in Azure Table Storage: one entity per target holding the state as JSON, saved only when its
 * ETag is unchanged. A create that finds the row (409) and an update with a stale ETag (412) both surface as
 * {@link ConcurrencyConflictError}, which the coordinator retries.
 */
export class TableTargetStateStore implements TargetStateStore {
    /** @param table - a client for the state table (see `createTableClients`) */
    constructor(private readonly table: TableClient) {}

    async load(targetId: string): Promise<StoredTargetState | null> {
        const entity = await getEntityOrNull(this.table, TARGET_PARTITION, safeKey(targetId), 'Loading target state');
        if (entity === null) return null;
        const state = parseDocument(entity, targetStateSchema, `state of target ${targetId}`);
        return { state, etag: entity.etag };
    }

    async save(state: TargetState, etag: string | null): Promise<string> {
        const entity = {
            partitionKey: TARGET_PARTITION,
            rowKey: safeKey(state.targetId),
            ...documentProperties(storedDocument(state), `State of target ${state.targetId}`),
        };
        try {
            const response =
                etag === null
                    ? await this.table.createEntity(entity)
                    : await this.table.updateEntity(entity, 'Replace', { etag });
            return requireEtag(response.etag);
        } catch (e) {
            if (etag === null ? isEntityAlreadyExists(e) : isUpdateConditionNotSatisfied(e)) {
                throw new ConcurrencyConflictError(`State of ${state.targetId} changed since it was loaded`, {
                    cause: e,
                });
            }
            // An update of a row someone deleted is also "not what we loaded".
            if (etag !== null && isNotFound(e)) {
                throw new ConcurrencyConflictError(`State of ${state.targetId} was deleted since it was loaded`, {
                    cause: e,
                });
            }
            throw toDependencyError(e, 'Saving target state');
        }
    }

    async putRun(run: RunSummary): Promise<void> {
        try {
            // A finished run never changes, so an unconditional upsert makes a repeated put harmless.
            await this.table.upsertEntity(
                {
                    partitionKey: runPartition(run.targetId),
                    rowKey: seqRowKey(run.seq),
                    ...documentProperties(storedDocument(run), `Run ${run.seq} of target ${run.targetId}`),
                },
                'Replace',
            );
        } catch (e) {
            throw toDependencyError(e, 'Storing a finished run');
        }
    }

    async getRun(targetId: string, seq: number): Promise<RunSummary | null> {
        const entity = await getEntityOrNull(
            this.table,
            runPartition(targetId),
            seqRowKey(seq),
            'Reading a finished run',
        );
        if (entity === null) return null;
        return parseDocument(entity, runSummarySchema, `run ${seq} of target ${targetId}`);
    }
}

function requireEtag(etag: string | undefined): string {
    if (etag === undefined || etag === '') {
        throw new PermanentDependencyError('Table storage answered a write without an ETag');
    }
    return etag;
}
