package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
)

// reporter writes one JSON object per line. Tests parse these lines, so every write is
// serialised and flushed as a whole line. In netcat mode stdout carries the payload, so
// the events go to stderr instead.
type reporter struct {
	mu  sync.Mutex
	out io.Writer
}

var report = &reporter{out: os.Stdout}

func (r *reporter) line(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own structs are marshalled; failing here is a programming error
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b = append(b, '\n')
	_, _ = r.out.Write(b)
}

type listeningEvent struct {
	Event string `json:"event"`
	Addr  string `json:"addr"`
}

type sessionEvent struct {
	Event  string `json:"event"`
	Conv   uint32 `json:"conv"`
	Remote string `json:"remote"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
}

type errorEvent struct {
	Event string `json:"event"`
	Error string `json:"error"`
}

type dialResult struct {
	Bytes    int64   `json:"bytes"`
	Sessions int     `json:"sessions"`
	Seconds  float64 `json:"seconds"`
	Mbps     float64 `json:"mbps"`
	SHA256   string  `json:"sha256"`
	OK       bool    `json:"ok"`
	Error    string  `json:"error,omitempty"`
}

// round3 keeps the JSON short; the figures are informative, not exact.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "kcp-go-peer: "+format+"\n", args...)
	os.Exit(2)
}
