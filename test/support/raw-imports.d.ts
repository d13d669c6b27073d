/** A file's text through vite's `?raw` import (tests that check a committed file, e.g. wrangler.toml). */
declare module "*?raw" {
  const text: string;
  export default text;
}
