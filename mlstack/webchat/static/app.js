// The chat page: sends each turn to the local mlstack server and renders the bot's replies.
// The per-run token comes from this page's URL; every API call carries it in a header.
"use strict";

const token = new URLSearchParams(window.location.search).get("token") || "";
const transcript = document.getElementById("transcript");
const composer = document.getElementById("composer");
const input = document.getElementById("say");

function entry(kind) {
  const item = document.createElement("li");
  item.className = kind;
  transcript.appendChild(item);
  return item;
}

function paragraph(parent, text, className) {
  const p = document.createElement("p");
  if (className) p.className = className;
  p.textContent = text;
  parent.appendChild(p);
  return p;
}

// The composer is sticky at the bottom of the window, over the end of the transcript: scroll so that the
// newest reply ends above it (scrollIntoView alone would put the reply's end under the composer). Again once
// its image or player has its size, which makes the reply taller after it was first shown.
function revealLatest(item) {
  const hiddenBy = item.getBoundingClientRect().bottom - composer.getBoundingClientRect().top + 8;
  if (hiddenBy > 0) window.scrollBy(0, hiddenBy);
}

function renderReply(item, reply) {
  for (const message of reply.messages.length ? reply.messages : ["(no message)"]) {
    paragraph(item, message, "message");
  }
  if (reply.image) {
    const image = document.createElement("img");
    image.src = reply.image;
    image.alt = "the image the bot looked at";
    image.className = "thumbnail";
    image.addEventListener("load", () => revealLatest(item));
    item.appendChild(image);
  }
  if (reply.audio) {
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.src = reply.audio;
    audio.className = "speech";
    audio.addEventListener("loadedmetadata", () => revealLatest(item));
    item.appendChild(audio);
  }
  if (reply.translation) {
    paragraph(item, `${reply.translation.source} → ${reply.translation.target}`, "translation");
  }
  paragraph(item, `${reply.intent || "no intent"}: ${reply.state || "?"}`, "intent");
}

async function send(text) {
  paragraph(entry("user"), text, "message");
  const item = entry("bot pending");
  revealLatest(item);
  try {
    const response = await fetch("/api/say", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Mlstack-Token": token },
      body: JSON.stringify({ text }),
    });
    const body = await response.json();
    item.classList.remove("pending");
    if (!response.ok) {
      item.classList.add("error");
      paragraph(item, body.error || `error ${response.status}`, "message");
      return;
    }
    renderReply(item, body);
  } catch (error) {
    item.classList.remove("pending");
    item.classList.add("error");
    paragraph(item, `The local server did not answer (${error}).`, "message");
  }
  revealLatest(item);
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text);
});
