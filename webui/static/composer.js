// The composer: Enter sends (Shift+Enter is a newline), typing is announced, and nothing the
// user wrote is lost. A send goes over the socket and is resent with the same client_id after
// a reconnect until acked (the hub stores it once); without a socket it goes over HTTP, and
// when that fails too the text stays in the box and the user is told.

import { api } from "./api.js";
import { fitHeight } from "./autosize.js";
import { errorText } from "./error_text.js";
import { newClientId } from "./client_ids.js";
import { sendFrame } from "./live.js";
import { warnNotNotified } from "./mention_warning.js";
import { showPost } from "./posts.js";
import { toast } from "./toast.js";

const TYPING_EVERY_MS = 3000;
const OFFLINE_NOTICE = "You are offline: your text is kept in the box. Send it again once the connection is back.";

export function setupComposer(thread, composer, mentions) {
  const pending = new Map(); // client_id → the send frame, until the hub acks it
  let lastTyping = 0;

  function restore(body) {
    if (!composer.value.trim()) composer.value = body;
    fitHeight(composer);
  }

  async function sendOverHttp(body, clientId) {
    try {
      const post = await api("POST", thread.listPath, { body, client_id: clientId });
      showPost(thread, post);
      warnNotNotified(post.not_notified);
    } catch (error) {
      restore(body);
      toast(error.code === "offline" ? OFFLINE_NOTICE : `Not sent. ${errorText(error, thread.noun)}`);
    }
  }

  function send() {
    const body = composer.value;
    if (!body.trim()) return;
    const clientId = newClientId();
    const frame = { type: `${thread.noun}.send`, [thread.kind]: thread.id, body, client_id: clientId };
    composer.value = "";
    fitHeight(composer);
    if (sendFrame(frame)) pending.set(clientId, frame);
    else sendOverHttp(body, clientId);
  }

  composer.addEventListener("keydown", (event) => {
    if (mentions.handleKey(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  composer.addEventListener("input", () => {
    const now = Date.now();
    if (!composer.value || now - lastTyping < TYPING_EVERY_MS) return;
    if (sendFrame({ type: "typing", stream: thread.stream })) lastTyping = now;
  });
  composer.form.addEventListener("submit", (event) => {
    event.preventDefault(); // the plain form post is for pages without JavaScript
    send();
  });

  return {
    /** The hub stored a send (ack) or refused it (`refusal`: its error frame). */
    settle(clientId, refusal) {
      const frame = pending.get(clientId);
      if (!frame) return false;
      pending.delete(clientId);
      if (refusal) {
        restore(frame.body);
        toast(`Not sent. ${errorText(refusal, thread.noun)}`);
      }
      return true;
    },
    /** After a reconnect: sends the hub may not have got. */
    resend() {
      for (const frame of pending.values()) sendFrame(frame);
    },
  };
}
