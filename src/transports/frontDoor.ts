import type { EntraConfirmation } from '../app/confirmationDeps';
import type { Coordinator } from '../app/coordinator';
import type { SubmitChangesDeps } from '../app/submitChanges';
import type { Routing } from '../domain/routing';
import type { Target } from '../domain/target';
import type { Clock } from '../ports/clock';
import type { InvalidMessageSink } from '../ports/invalidMessageSink';
import type { RequestStore } from '../ports/requestStore';
import type { Telemetry } from '../ports/telemetry';
import type { PortalLinkSettings } from './http/portalLinks';

/** The HTTP transport's settings: limits, answers and authorization. */
export interface HttpOptions {
    /** Base of absolute `Location` URLs (configured or the platform's host name); null: a relative Location. */
    readonly publicBaseUrl: string | null;
    readonly authMode: 'functionKeys' | 'appRoles';
    readonly roles: { readonly delta: string; readonly initial: string; readonly read: string };
    readonly initialMinIntervalMs: number;
    readonly maxBodyBytes: number;
    readonly maxChangesPerRequest: number;
    readonly retryAfterSeconds: number;
}

/** The settings the transports read, in the shape of the validated config (which satisfies it). */
interface FrontDoorSettings {
    readonly http: HttpOptions;
    readonly targets: ReadonlyMap<string, Target>;
    readonly routing: Routing;
    readonly requestRetentionMs: number;
    readonly changeQueueAllowsInitial: boolean;
    readonly telemetry: { readonly workbookUrl: string | null; readonly portalLinks: PortalLinkSettings | null };
}

/**
 * What every transport (HTTP, the change and control queues, the timer) is given by the composition root: the
 * ports behind its use cases and its settings. The transports never see adapters or the settings loader.
 */
export interface FrontDoor {
    readonly config: FrontDoorSettings;
    readonly clock: Clock;
    readonly telemetry: Telemetry;
    readonly requests: RequestStore;
    readonly coordinator: Coordinator;
    readonly invalidMessages: InvalidMessageSink;
    /** ENTRA_CONFIRMATION=on: the confirmation's ports and settings; null when off. */
    readonly entraConfirmation: EntraConfirmation | null;
}

/** Gives the process's front door (built on first use, from the app settings). */
export type FrontDoorResolver = () => FrontDoor | Promise<FrontDoor>;

/**
 * The narrow dependencies of the submission use case, taken from the front door.
 * @param services - the front door
 */
export function submitDeps(services: FrontDoor): SubmitChangesDeps {
    return {
        coordinator: services.coordinator,
        requests: services.requests,
        telemetry: services.telemetry,
        clock: services.clock,
        targets: services.config.targets,
        routing: services.config.routing,
        initialMinIntervalMs: services.config.http.initialMinIntervalMs,
        confirmations: services.entraConfirmation?.store ?? null,
    };
}
