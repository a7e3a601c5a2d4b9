// Times in the viewer's zone (DESIGN §9): the zone chosen in the profile (`<body
// data-time-zone>`), else the browser's. Each `time[datetime]` (its attribute the UTC ISO
// string the API gives) shows "9:01 AM" today, "Yesterday 5:40 PM", "Nov 3, 9:01 AM" this year
// and "Nov 3, 2025" before, in US English hour style; its title has the full date, time and
// zone. The server's text is the UTC fallback for pages without JavaScript.

const LOCALE = "en-US";

function viewerZone() {
  const chosen = document.body.dataset.timeZone;
  if (chosen) {
    try {
      new Intl.DateTimeFormat(LOCALE, { timeZone: chosen });
      return chosen;
    } catch {
      // A zone this browser does not know: its own zone is the next best.
    }
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const zone = viewerZone();
const formats = {
  day: new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }),
  time: new Intl.DateTimeFormat(LOCALE, { timeZone: zone, hour: "numeric", minute: "2-digit" }),
  thisYear: new Intl.DateTimeFormat(LOCALE, {
    timeZone: zone, month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
  }),
  older: new Intl.DateTimeFormat(LOCALE, { timeZone: zone, month: "short", day: "numeric", year: "numeric" }),
  full: new Intl.DateTimeFormat(LOCALE, { timeZone: zone, dateStyle: "full", timeStyle: "long" }),
};

/** ICU puts narrow no-break spaces before AM/PM; plain spaces read (and copy) the same. */
function plain(text) {
  return text.replace(/[\u202f\u00a0]/g, " ");
}

/** The calendar day of `date` in the viewer's zone, as "YYYY-MM-DD". */
function dayOf(date) {
  return formats.day.format(date);
}

function dayBefore(day) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date - 1)).toISOString().slice(0, 10);
}

/** How a moment reads in a list, relative to `now`. */
export function shortTime(date, now = new Date()) {
  const day = dayOf(date);
  const today = dayOf(now);
  if (day === today) return plain(formats.time.format(date));
  if (day === dayBefore(today)) return `Yesterday ${plain(formats.time.format(date))}`;
  if (day.slice(0, 4) === today.slice(0, 4)) return plain(formats.thisYear.format(date));
  return plain(formats.older.format(date));
}

/** Rewrite every `time[datetime]` in `root` (the document, or a post just added). */
export function localizeTimes(root = document) {
  const now = new Date();
  for (const element of root.querySelectorAll("time[datetime]")) {
    const date = new Date(element.dateTime);
    if (Number.isNaN(date.getTime())) continue;
    element.textContent = shortTime(date, now);
    element.title = plain(formats.full.format(date));
  }
}
