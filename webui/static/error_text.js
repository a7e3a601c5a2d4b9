// Refusals from the socket or the API in sentences (the JS side of webui/error_text.py):
// "Messages can be at most 16384 bytes (16 KB)." for `too_large` "body: at most 16384 bytes".
// The hub's messages stay as they are on the wire (contract); only what people read changes.

const TOO_LARGE = /at most (\d+) bytes/;
const FIELD_PREFIX = /^[a-z_]+: /;

function capital(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

function sentence(text) {
  const words = capital(text.trim());
  return !words || /[.!?]$/.test(words) ? words : `${words}.`;
}

/** `error` is an error frame or an ApiError ({code, message}); `noun` "message" or "comment". */
export function errorText(error, noun = "message") {
  const message = String(error.message ?? "");
  const size = TOO_LARGE.exec(message);
  if (error.code === "too_large" && size) {
    const bytes = Number(size[1]);
    return `${capital(noun)}s can be at most ${bytes} bytes (${Math.floor(bytes / 1024)} KB).`;
  }
  if (error.code === "invalid" && /^body: must not be empty/.test(message)) {
    return `A ${noun} must not be empty.`;
  }
  return sentence(message.replace(FIELD_PREFIX, ""));
}
