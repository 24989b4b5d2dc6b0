import type { HttpFunctionOptions, ServiceBusQueueFunctionOptions, TimerFunctionOptions } from '@azure/functions';

/**
 * One function of the app as data: its name, its trigger and the options `app.<trigger>(name, options)` of
 * `@azure/functions` takes, handler included. src/index.ts registers each with the Functions host; the local host
 * (`npm start`) serves the same list, so both run exactly these bindings.
 */
export type FunctionRegistration =
    | { readonly name: string; readonly trigger: 'http'; readonly options: HttpFunctionOptions }
    | { readonly name: string; readonly trigger: 'serviceBusQueue'; readonly options: ServiceBusQueueFunctionOptions }
    | { readonly name: string; readonly trigger: 'timer'; readonly options: TimerFunctionOptions };
