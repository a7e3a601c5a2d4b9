// History that loads as you scroll up: when the top of the list comes into view, the page
// before the oldest shown post is fetched (the list's data-older cursor) and put above it,
// keeping the reader's place, until there is nothing older. `loadOlder()` loads the next
// older page on demand (the unread jump), sharing a load already under way; it resolves to
// false when the page could not be loaded.

import { api } from "./api.js";
import { prependPosts } from "./posts.js";

const PREFETCH_MARGIN = "200px 0px 0px 0px"; // start loading a little before the very top

export function setupHistory(thread) {
  const list = thread.list;
  const edge = document.createElement("li");
  edge.className = "history-edge muted small";
  edge.dataset.testid = "history-state";
  edge.setAttribute("role", "status");
  list.prepend(edge);
  let loading = null; // the load under way

  function showEdge() {
    const hasPosts = list.querySelector('[data-testid="message"]') !== null;
    edge.dataset.state = list.dataset.older ? "more" : "start";
    edge.textContent = list.dataset.older || !hasPosts ? "" : "Beginning of the conversation";
  }

  function loadOlder(observer) {
    if (!loading && list.dataset.older) {
      loading = loadPage(observer).finally(() => {
        loading = null;
      });
    }
    return loading ?? Promise.resolve(Boolean(list.dataset.older));
  }

  async function loadPage(observer) {
    edge.dataset.state = "loading";
    edge.textContent = "Loading…";
    try {
      const page = await api("GET", `${thread.listPath}?before=${encodeURIComponent(list.dataset.older)}`);
      list.dataset.older = page.next ?? ""; // first: the unread marker asks if more is older
      prependPosts(thread, page.items);
      showEdge();
      // Observing anew reports at once whether the top is still in view (a short page).
      observer.unobserve(edge);
      observer.observe(edge);
    } catch (error) {
      // Tried again when the top comes into view anew, not in a loop.
      edge.dataset.state = "failed";
      edge.textContent = `Older ${thread.noun}s could not be loaded (${error.message}). Scroll to retry.`;
      return false;
    }
    return true;
  }

  showEdge();
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadOlder(observer);
    },
    { root: list, rootMargin: PREFETCH_MARGIN },
  );
  observer.observe(edge);
  return { loadOlder: () => loadOlder(observer) };
}
