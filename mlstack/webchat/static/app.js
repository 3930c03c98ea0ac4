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

function renderReply(item, reply) {
  for (const message of reply.messages.length ? reply.messages : ["(no message)"]) {
    paragraph(item, message, "message");
  }
  if (reply.image) {
    const image = document.createElement("img");
    image.src = reply.image;
    image.alt = "the image the bot looked at";
    image.className = "thumbnail";
    item.appendChild(image);
  }
  if (reply.audio) {
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.src = reply.audio;
    audio.className = "speech";
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
  item.scrollIntoView({ block: "end" });
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text);
});
