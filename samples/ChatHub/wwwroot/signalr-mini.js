// A minimal SignalR client: JSON hub protocol over one WebSocket, no negotiation (the server accepts a WebSocket
// request on the hub path directly). Enough for this page: invoke/send, client methods, pings, close. Written for
// this sample so the page works offline without the npm package.
"use strict";

class MiniHubConnection {
  static RS = "\u001e";  // record separator ending every JSON hub message

  constructor(path) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.url = `${scheme}//${location.host}${path}`;
    this.handlers = new Map();
    this.pending = new Map();
    this.nextId = 1;
    this.onclose = null;
    this.socket = null;
    this.pingTimer = null;
  }

  on(target, handler) {
    this.handlers.set(target.toLowerCase(), handler);
  }

  start() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url);
      let handshakeDone = false;
      this.socket = socket;
      socket.onopen = () => socket.send(JSON.stringify({ protocol: "json", version: 1 }) + MiniHubConnection.RS);
      socket.onerror = () => { if (!handshakeDone) reject(new Error("WebSocket error")); };
      socket.onclose = (e) => {
        clearInterval(this.pingTimer);
        for (const { reject: fail } of this.pending.values()) fail(new Error("connection closed"));
        this.pending.clear();
        if (!handshakeDone) reject(new Error(`closed during handshake (${e.code})`));
        else if (this.onclose) this.onclose(e.reason || null);
      };
      socket.onmessage = (e) => {
        for (const frame of String(e.data).split(MiniHubConnection.RS)) {
          if (!frame) continue;
          const message = JSON.parse(frame);
          if (!handshakeDone) {
            // The first record is the handshake response: {} or {"error": "..."}.
            handshakeDone = true;
            if (message.error) { reject(new Error(message.error)); socket.close(); return; }
            // The server drops clients that stay silent for 30 s, so ping every 15 s as the real client does.
            this.pingTimer = setInterval(() => this.write({ type: 6 }), 15000);
            resolve();
            continue;
          }
          this.dispatch(message);
        }
      };
    });
  }

  dispatch(message) {
    switch (message.type) {
      case 1: { // invocation of a client method
        const handler = this.handlers.get(String(message.target).toLowerCase());
        if (handler) handler(...(message.arguments || []));
        break;
      }
      case 3: { // completion of one of our invocations
        const call = this.pending.get(message.invocationId);
        if (call) {
          this.pending.delete(message.invocationId);
          if (message.error) call.reject(new Error(message.error)); else call.resolve(message.result);
        }
        break;
      }
      case 7: // close from the server
        this.socket.close(1000, message.error || "");
        break;
      default: // 6 = ping; streams are not used here
        break;
    }
  }

  write(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message) + MiniHubConnection.RS);
      return true;
    }
    return false;
  }

  invoke(target, ...args) {
    const invocationId = String(this.nextId++);
    return new Promise((resolve, reject) => {
      this.pending.set(invocationId, { resolve, reject });
      if (!this.write({ type: 1, invocationId, target, arguments: args })) {
        this.pending.delete(invocationId);
        reject(new Error("not connected"));
      }
    });
  }

  stop() {
    this.write({ type: 7 });
    if (this.socket) this.socket.close(1000);
  }
}
