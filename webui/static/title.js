// The tab title counts unread notifications: "(3) Notifications · TaskFlow Hub", no prefix at 0.

const COUNT_PREFIX = /^\(\d+\) /;

export function showUnreadInTitle(count) {
  const title = document.title.replace(COUNT_PREFIX, "");
  document.title = count > 0 ? `(${count}) ${title}` : title;
}
