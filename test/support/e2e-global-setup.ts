// Placeholder: replaced by the Pebble + wrangler dev harness.
export default function setup() {}
