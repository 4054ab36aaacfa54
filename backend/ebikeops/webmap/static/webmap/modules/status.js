/* The page's loading state, for people (the status pill) and tests (data attributes):
 * `#status[data-state]` is "ready" once every request of the latest refresh has answered,
 * `data-generation` counts finished refreshes. */

const status = document.getElementById("status");
const errors = new Map();
let pending = 0;
let generation = 0;

export function track(promise, label) {
  pending += 1;
  status.dataset.state = "loading";
  status.textContent = "Loading…";
  return promise
    .then(() => errors.delete(label))
    .catch((error) => {
      if (error.name === "AbortError") return;
      errors.set(label, error.message);
      console.error(label, error); // eslint-disable-line no-console
    })
    .finally(() => {
      pending -= 1;
      if (pending === 0) {
        generation += 1;
        status.dataset.generation = String(generation);
        status.dataset.state = errors.size ? "error" : "ready";
        status.textContent = errors.size ? `Could not load: ${[...errors.values()].join("; ")}` : "Up to date";
        status.title = status.textContent;
      }
    });
}

export function reportError(label, message) {
  errors.set(label, message);
  status.dataset.state = "error";
  status.textContent = message;
}
