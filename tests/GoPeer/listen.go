package main

import (
	"fmt"
	"os"
	"time"

	kcp "github.com/xtaci/kcp-go"
)

func runListen(o *options) int {
	block, err := newBlockCrypt(o.crypt, o.key)
	if err != nil {
		fatalf("%v", err)
	}
	lis, err := kcp.ListenWithOptions(o.addr, block, o.dataShard, o.parityShard)
	if err != nil {
		fatalf("listen %s: %v", o.addr, err)
	}
	_ = lis.SetReadBuffer(o.sockBuf)
	_ = lis.SetWriteBuffer(o.sockBuf)
	if o.dscp != 0 {
		if err := lis.SetDSCP(o.dscp); err != nil {
			fatalf("--dscp %d: %v", o.dscp, err)
		}
	}
	report.line(listeningEvent{Event: "listening", Addr: lis.Addr().String()})

	deadline := time.Now().Add(o.timeout)
	// The listener has no natural end; --timeout bounds its whole life.
	time.AfterFunc(o.timeout, func() { os.Exit(0) })

	var nc *netcatListener
	if o.mode == "" {
		nc = newNetcatListener(o, deadline)
	}
	for {
		s, err := lis.AcceptKCP()
		if err != nil {
			report.line(errorEvent{Event: "error", Error: fmt.Sprintf("accept: %v", err)})
			return 1
		}
		configure(s, o)
		switch o.mode {
		case "echo":
			go serveEcho(s, o, deadline)
		case "sink":
			go serveSink(s, o)
		case "source":
			go serveSource(s, o, deadline)
		default:
			nc.add(s)
		}
	}
}

func sessionDone(s *kcp.UDPSession, v *verifier, bytes int64, sum string, err error, o *options) {
	ev := sessionEvent{Event: "session", Conv: s.GetConv(), Remote: s.RemoteAddr().String(), Bytes: bytes, SHA256: sum}
	switch {
	case err != nil:
		ev.Error = err.Error()
	case v != nil && v.mismatch >= 0:
		ev.Error = fmt.Sprintf("payload differs from the stream at offset %d", v.mismatch)
	case o.bytesSet && bytes != o.bytes:
		ev.Error = fmt.Sprintf("expected %d bytes", o.bytes)
	default:
		ev.OK = true
	}
	report.line(ev)
	// Keep answering (and ignoring) the peer for a moment before closing; see linger.
	_ = s.SetReadDeadline(time.Now().Add(linger))
	buf := make([]byte, chunkSize)
	for {
		if _, err := s.Read(buf); err != nil {
			break
		}
	}
	_ = s.Close()
}

// receive reads from s into v until --bytes have arrived, or, without --bytes, until the
// session has been idle for --idle-end. onData sees every chunk (echo writes it back).
func receive(s *kcp.UDPSession, o *options, v *verifier, onData func([]byte) error) error {
	buf := make([]byte, chunkSize)
	var idleDeadline time.Time
	for !o.bytesSet || v.count < o.bytes {
		if !o.bytesSet {
			idleDeadline = time.Now().Add(o.idleEnd)
			_ = s.SetReadDeadline(idleDeadline)
		}
		want := buf
		if o.bytesSet && int64(len(want)) > o.bytes-v.count {
			want = buf[:o.bytes-v.count]
		}
		n, err := s.Read(want)
		if n > 0 {
			v.add(want[:n])
			if onData != nil {
				if werr := onData(want[:n]); werr != nil {
					return werr
				}
			}
		}
		if err != nil {
			// kcp-go's timeout error is unexported, so recognise our own idle deadline instead.
			if !o.bytesSet && !time.Now().Before(idleDeadline) {
				return nil
			}
			return err
		}
	}
	return nil
}

func serveSink(s *kcp.UDPSession, o *options) {
	v := newVerifier()
	err := receive(s, o, v, nil)
	sessionDone(s, v, v.count, v.sum(), err, o)
}

func serveEcho(s *kcp.UDPSession, o *options, deadline time.Time) {
	v := newVerifier()
	err := receive(s, o, v, func(p []byte) error {
		_, err := s.Write(p)
		return err
	})
	if err == nil {
		err = waitDrained(s, deadline)
	}
	sessionDone(s, v, v.count, v.sum(), err, o)
}

func serveSource(s *kcp.UDPSession, o *options, deadline time.Time) {
	// The dialer's first byte only exists to make this session appear (a kcp-go listener
	// learns about a session from its first packet); it is read and ignored.
	go func() {
		buf := make([]byte, 4096)
		_ = s.SetReadDeadline(deadline)
		for {
			if _, err := s.Read(buf); err != nil {
				return
			}
		}
	}()
	sum, err := sendStream(s, o.bytes)
	if err == nil {
		err = waitDrained(s, deadline)
	}
	sent := o.bytes
	if err != nil {
		sent = 0
	}
	sessionDone(s, nil, sent, sum, err, o)
}
