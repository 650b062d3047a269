// Runs the official SignalR JavaScript client that the page serves (@microsoft/signalr, at the version
// samples/ChatHub/package-lock.json pins; its Node.js build) against the hub's WebSocket endpoint: connects to
// http://HOST/chat, prints "READY", then for every stdin line {"target":..., "args":[...]} invokes the hub method and
// prints "DONE <target>"; every ReceiveMessage is printed as "MSG <json>". Closing stdin stops the connection and exits.
"use strict";
const readline = require("readline");

const [packageDirectory, host] = process.argv.slice(2);
const signalR = require(packageDirectory);

(async () => {
  const hub = new signalR.HubConnectionBuilder()
    .withUrl(`http://${host}/chat`, { transport: signalR.HttpTransportType.WebSockets })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  hub.on("ReceiveMessage", (user, message, via) => console.log("MSG " + JSON.stringify({ user, message, via })));
  await hub.start();
  console.log("READY " + signalR.VERSION);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const { target, args } = JSON.parse(line);
    await hub.invoke(target, ...args);
    console.log("DONE " + target);
  }
  await hub.stop();
  process.exit(0);
})().catch((e) => {
  console.log("ERROR " + e.message);
  process.exit(1);
});
