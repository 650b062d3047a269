// Command kcp-go-peer is the kcp-go 5.6.1 side of our interop tests: a small netcat-like
// tool with echo, sink and source test modes, built on the kcp-go that Debian ships.
// It speaks the same command line as our C# kcpcat; see README.md next to this file.
package main

import (
	"fmt"
	"os"
)

const usage = `usage: kcp-go-peer listen|dial HOST:PORT [--mode echo|sink|source] [--bytes N]
       [--crypt NAME] [--key KEY] [--datashard N] [--parityshard N]
       [--mode-preset normal|fast|fast2|fast3] [--nodelay N] [--interval MS] [--resend N] [--nc N]
       [--sndwnd N] [--rcvwnd N] [--mtu N] [--streammode[=BOOL]] [--acknodelay[=BOOL]]
       [--dscp N] [--sockbuf BYTES] [--timeout SECONDS] [--idle-end SECONDS] [--sessions K]`

func main() {
	o, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "kcp-go-peer: %v\n%s\n", err, usage)
		os.Exit(2)
	}
	checkSessionLayout()
	if o.mode == "" {
		report.out = os.Stderr // stdout carries the payload in netcat mode
	}
	if o.role == "listen" {
		os.Exit(runListen(o))
	}
	os.Exit(runDial(o))
}
