// `#pki-before/…` is src/pki of an earlier commit, extracted per run (vitest.config.ts aliases it); its modules are
// typed through steps.ts's PkiVersion, which both versions share, so here they are only declared.
declare module "#pki-before/*";
