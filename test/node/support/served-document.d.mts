/** Types for served-document.mjs. */
export function fetchServedDocument(path?: string): Promise<string>;
