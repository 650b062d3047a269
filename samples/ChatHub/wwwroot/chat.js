// The chat panel: joins the hub over SignalR's HTTP transports and shows messages from every client, each tagged with
// the transport it came in on. A browser cannot speak KCP (no raw UDP): the page uses WebSockets, or server-sent
// events or long polling where WebSockets are blocked, and says which; KCP is for the console clients.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const nameBox = $("name");
  nameBox.value = localStorage.getItem("chat-name") || `web-${Math.floor(Math.random() * 1000)}`;
  nameBox.addEventListener("change", () => localStorage.setItem("chat-name", nameBox.value));

  const list = $("messages");
  function add(text, via, cssClass) {
    const item = document.createElement("li");
    if (via) {
      const badge = document.createElement("span");
      badge.className = `via ${via}`;
      badge.textContent = via;
      item.appendChild(badge);
    }
    if (cssClass) item.className = cssClass;
    item.appendChild(document.createTextNode(text));
    list.appendChild(item);
    while (list.children.length > 500) list.removeChild(list.firstChild);
    list.scrollTop = list.scrollHeight;
  }

  const status = $("status");
  function setStatus(text, online) {
    status.textContent = text;
    status.classList.toggle("online", online);
  }

  // The official SignalR client (@microsoft/signalr, served from lib/signalr/ by the build): negotiates, then
  // WebSockets (else server-sent events, else long polling); reconnects by itself after a drop, and connect() starts
  // over once it gave up.
  const hub = new signalR.HubConnectionBuilder()
    .withUrl("/chat")
    .withAutomaticReconnect()
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  hub.on("ReceiveMessage", (user, message, via) => add(`${user}: ${message}`, via));
  hub.on("ReceiveGroupMessage", (group, user, message, via) => add(`#${group} ${user}: ${message}`, via));
  hub.on("JoinedGroup", (group, user) => add(`${user} joined #${group}`, null, "system"));

  // The transport as the server sees this connection (the hub's GetTransport), not as the page assumes it.
  const transportLabels = { websockets: "WebSockets", serversentevents: "server-sent events", longpolling: "long polling" };
  async function showOnline() {
    const transport = await hub.invoke("GetTransport");
    setStatus(`online (${transportLabels[transport] || transport})`, true);
    status.dataset.transport = transport;
  }

  async function connect() {
    setStatus("connecting…", false);
    try {
      await hub.start();
      await showOnline();
    } catch (e) {
      setStatus(`offline: ${e.message}; retrying`, false);
      setTimeout(connect, 2000);
    }
  }
  hub.onreconnecting((error) => setStatus(`reconnecting${error ? ": " + error.message : ""}…`, false));
  hub.onreconnected(() => showOnline().catch((e) => setStatus(`online (${e.message})`, true)));
  hub.onclose((error) => {
    setStatus(`disconnected${error ? ": " + error.message : ""}; reconnecting`, false);
    setTimeout(connect, 1000);
  });

  $("join").addEventListener("click", () => hub.invoke("JoinGroup", $("group").value, nameBox.value).catch((e) => add(e.message, null, "system")));
  $("leave").addEventListener("click", () => hub.invoke("LeaveGroup", $("group").value)
    .then(() => add(`left #${$("group").value}`, null, "system"))
    .catch((e) => add(e.message, null, "system")));
  $("send-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const box = $("message");
    const text = box.value.trim();
    if (!text) return;
    const call = $("to-group").checked
      ? hub.invoke("SendToGroup", $("group").value, nameBox.value, text)
      : hub.invoke("Send", nameBox.value, text);
    call.then(() => { box.value = ""; }).catch((err) => add(`not sent: ${err.message}`, null, "system"));
  });

  connect();
})();
