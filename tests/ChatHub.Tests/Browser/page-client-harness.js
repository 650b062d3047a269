// Runs the page's own SignalR client (samples/ChatHub/wwwroot/signalr-mini.js) under Node.js, standing in for a
// browser: connects to ws://HOST/chat, prints "READY", then for every stdin line {"target":..., "args":[...]}
// invokes the hub method and prints "DONE <target>"; every ReceiveMessage is printed as "MSG <json>".
// Closing stdin stops the connection and exits.
"use strict";
const fs = require("fs");
const vm = require("vm");
const readline = require("readline");

const [clientFile, host] = process.argv.slice(2);
const sandbox = { WebSocket, location: { protocol: "http:", host }, setInterval, clearInterval, console, JSON, String, Map, Promise, Error };
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(clientFile, "utf8") + "\nthis.MiniHubConnection = MiniHubConnection;", sandbox);

(async () => {
  const hub = new sandbox.MiniHubConnection("/chat");
  hub.on("ReceiveMessage", (user, message, via) => console.log("MSG " + JSON.stringify({ user, message, via })));
  await hub.start();
  console.log("READY");
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const { target, args } = JSON.parse(line);
    await hub.invoke(target, ...args);
    console.log("DONE " + target);
  }
  hub.stop();
  process.exit(0);
})().catch((e) => {
  console.log("ERROR " + e.message);
  process.exit(1);
});
