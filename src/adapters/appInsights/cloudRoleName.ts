/** Our role name where there is no App Service platform (local host, tests, a plain Node process). */
export const DEFAULT_ROLE_NAME = 'entra-sync-trigger';

/**
 * The `cloud_RoleName` the Functions host gives its own telemetry, so that our custom items land in the same role
 * (one node on the application map, one value for role filters). The host's rule (WebJobs
 * `WebJobsRoleEnvironmentTelemetryInitializer`): `WEBSITE_CLOUD_ROLENAME` when set, else `WEBSITE_SITE_NAME`
 * with `-<WEBSITE_SLOT_NAME>` appended for a slot other than `production`, lower-cased.
 * These are platform variables, not app settings, so they are read here rather than registered in settings.ts.
 * @param env - the process environment
 * @returns the host's role name, or DEFAULT_ROLE_NAME outside App Service
 */
export function cloudRoleName(env: Readonly<Record<string, string | undefined>>): string {
    const explicit = env.WEBSITE_CLOUD_ROLENAME;
    if (explicit !== undefined && explicit !== '') return explicit;
    const site = env.WEBSITE_SITE_NAME;
    if (site === undefined || site === '') return DEFAULT_ROLE_NAME;
    const slot = env.WEBSITE_SLOT_NAME;
    const name = slot !== undefined && slot !== '' && slot.toLowerCase() !== 'production' ? `${site}-${slot}` : site;
    return name.toLowerCase();
}
