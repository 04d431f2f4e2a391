// Job functions for the executor benchmark (bench/executors-bench.mjs), imported by the workers.

export function noop() {}

/** CPU-bound: `n` steps of floating-point work, the JavaScript twin of the Python bench's `burn`. */
export function burn(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x += Math.sqrt(i) % 7;
  return Math.round(x);
}
