/** Where the app logs; `InvocationContext` fits, and so does `console`. Never given payloads or secrets. */
export interface Logger {
    info(message: string, ...details: unknown[]): void;
    warn(message: string, ...details: unknown[]): void;
    error(message: string, ...details: unknown[]): void;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const consoleLogger: Logger = {
    info: (m, ...d) => console.info(m, ...d),
    warn: (m, ...d) => console.warn(m, ...d),
    error: (m, ...d) => console.error(m, ...d),
};
