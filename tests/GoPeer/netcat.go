package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	kcp "github.com/xtaci/kcp-go"
)

// Without --mode the peer is a netcat: stdin goes to the session, the session goes to
// stdout, and the JSON events go to stderr. It ends once stdin hit EOF, everything sent
// was acknowledged and nothing arrived for --idle-end, or at --timeout.

// lastActivity is the time (UnixNano) of the last received byte or of the drain; the
// idle rule counts from it.
var lastActivity int64

var stdoutMu sync.Mutex

func touch() { atomic.StoreInt64(&lastActivity, time.Now().UnixNano()) }

func copyToStdout(s *kcp.UDPSession) {
	buf := make([]byte, chunkSize)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			touch()
			stdoutMu.Lock()
			_, _ = os.Stdout.Write(buf[:n])
			stdoutMu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// pumpStdin copies stdin into s, waits for the acknowledgements, then for idleEnd of
// silence, and returns the byte count and SHA-256 of what was sent.
func pumpStdin(s *kcp.UDPSession, deadline time.Time, idleEnd time.Duration) (int64, string, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(s, h), os.Stdin)
	if err != nil {
		return n, "", err
	}
	if err := waitDrained(s, deadline); err != nil {
		return n, "", err
	}
	touch()
	for time.Since(time.Unix(0, atomic.LoadInt64(&lastActivity))) < idleEnd {
		time.Sleep(50 * time.Millisecond)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

func runNetcatDial(o *options) int {
	start := time.Now()
	deadline := start.Add(o.timeout)
	time.AfterFunc(o.timeout, func() {
		report.line(dialResult{Sessions: 1, Error: "timeout"})
		os.Exit(1)
	})
	s, err := dialSession(o)
	if err != nil {
		report.line(dialResult{Sessions: 1, Error: err.Error()})
		return 1
	}
	go copyToStdout(s)
	n, sum, err := pumpStdin(s, deadline, o.idleEnd)
	seconds := time.Since(start).Seconds()
	res := dialResult{Bytes: n, Sessions: 1, Seconds: round3(seconds), SHA256: sum, OK: err == nil}
	if seconds > 0 {
		res.Mbps = round3(float64(n) * 8 / seconds / 1e6)
	}
	if err != nil {
		res.Error = err.Error()
	}
	_ = s.Close()
	report.line(res)
	if err != nil {
		return 1
	}
	return 0
}

type netcatListener struct {
	o        *options
	deadline time.Time
	first    sync.Once
}

func newNetcatListener(o *options, deadline time.Time) *netcatListener {
	return &netcatListener{o: o, deadline: deadline}
}

// add serves an accepted session: its bytes go to stdout; the first session also gets stdin.
func (l *netcatListener) add(s *kcp.UDPSession) {
	touch()
	go copyToStdout(s)
	l.first.Do(func() {
		go func() {
			n, sum, err := pumpStdin(s, l.deadline, l.o.idleEnd)
			ev := sessionEvent{Event: "session", Conv: s.GetConv(), Remote: s.RemoteAddr().String(), Bytes: n, SHA256: sum, OK: err == nil}
			if err != nil {
				ev.Error = err.Error()
			}
			report.line(ev)
			if err != nil {
				os.Exit(1)
			}
			os.Exit(0)
		}()
	})
}
