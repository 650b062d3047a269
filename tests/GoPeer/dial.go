package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	kcp "github.com/xtaci/kcp-go"
)

type dialOutcome struct {
	sum string
	err error
}

func dialSession(o *options) (*kcp.UDPSession, error) {
	block, err := newBlockCrypt(o.crypt, o.key)
	if err != nil {
		fatalf("%v", err)
	}
	s, err := kcp.DialWithOptions(o.addr, block, o.dataShard, o.parityShard)
	if err != nil {
		return nil, err
	}
	configure(s, o)
	if o.dscp != 0 {
		if err := s.SetDSCP(o.dscp); err != nil {
			fatalf("--dscp %d: %v", o.dscp, err)
		}
	}
	_ = s.SetReadBuffer(o.sockBuf)
	_ = s.SetWriteBuffer(o.sockBuf)
	return s, nil
}

func runDial(o *options) int {
	if o.mode == "" {
		return runNetcatDial(o)
	}
	start := time.Now()
	deadline := start.Add(o.timeout)
	outcomes := make([]dialOutcome, o.sessions)
	var wg sync.WaitGroup
	for i := range outcomes {
		wg.Add(1)
		go func(out *dialOutcome) {
			defer wg.Done()
			out.sum, out.err = dialOne(o, deadline)
		}(&outcomes[i])
	}
	// Every blocking call below carries the deadline; this is only a last resort so the
	// process can never outlive --timeout by much.
	time.AfterFunc(o.timeout+5*time.Second, func() {
		report.line(dialResult{Bytes: o.bytes, Sessions: o.sessions, Error: "hard timeout"})
		os.Exit(1)
	})
	wg.Wait()
	seconds := time.Since(start).Seconds()

	res := dialResult{Bytes: o.bytes, Sessions: o.sessions, Seconds: round3(seconds), OK: true}
	if seconds > 0 {
		res.Mbps = round3(float64(o.bytes) * float64(o.sessions) * 8 / seconds / 1e6)
	}
	for i, out := range outcomes {
		switch {
		case out.err != nil:
			res.OK, res.Error = false, fmt.Sprintf("session %d: %v", i, out.err)
		case res.SHA256 == "":
			res.SHA256 = out.sum
		case res.SHA256 != out.sum:
			res.OK, res.Error = false, fmt.Sprintf("session %d: sha256 differs from session 0", i)
		}
		if !res.OK {
			break
		}
	}
	report.line(res)
	if !res.OK {
		return 1
	}
	return 0
}

// dialOne runs the chosen mode over one session and returns the SHA-256 of the payload
// sent (sink) or received (echo, source).
func dialOne(o *options, deadline time.Time) (string, error) {
	s, err := dialSession(o)
	if err != nil {
		return "", err
	}
	defer s.Close()
	_ = s.SetDeadline(deadline)

	switch o.mode {
	case "sink":
		sum, err := sendStream(s, o.bytes)
		if err != nil {
			return "", err
		}
		return sum, waitDrained(s, deadline)
	case "source":
		// One throw-away byte makes the listener see (accept) this session.
		if _, err := s.Write([]byte{0}); err != nil {
			return "", err
		}
		return readVerified(s, o.bytes)
	default: // echo
		sendErr := make(chan error, 1)
		go func() {
			_, err := sendStream(s, o.bytes)
			sendErr <- err
		}()
		sum, err := readVerified(s, o.bytes)
		if err != nil {
			return "", err
		}
		if err := <-sendErr; err != nil {
			return "", err
		}
		return sum, nil
	}
}

// readVerified reads exactly n bytes and fails unless they equal the deterministic stream.
func readVerified(s *kcp.UDPSession, n int64) (string, error) {
	v := newVerifier()
	buf := make([]byte, chunkSize)
	for v.count < n {
		want := buf
		if int64(len(want)) > n-v.count {
			want = buf[:n-v.count]
		}
		got, err := s.Read(want)
		v.add(want[:got])
		if err != nil {
			return "", fmt.Errorf("after %d of %d bytes: %v", v.count, n, err)
		}
	}
	if v.mismatch >= 0 {
		return v.sum(), fmt.Errorf("payload differs from the stream at offset %d", v.mismatch)
	}
	return v.sum(), nil
}
