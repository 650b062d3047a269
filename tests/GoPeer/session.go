package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"time"

	kcp "github.com/xtaci/kcp-go"
)

const (
	chunkSize = 64 << 10
	// defaultIdleEnd is how long a listener session (or a netcat run) may receive nothing before
	// it counts as finished when no --bytes says how much to expect (--idle-end). KCP 5.6.1 has
	// no FIN.
	defaultIdleEnd = 2 * time.Second
	// linger keeps a finished listener session open a little, so that a retransmission
	// caused by a lost final ACK is answered by this session instead of creating a new one.
	linger = 2 * time.Second
	// pollEvery is the wait-send polling period; KCP's own interval is 10-40 ms.
	pollEvery = 2 * time.Millisecond
)

// configure applies the per-session settings the way kcptun does right after Dial/Accept.
func configure(s *kcp.UDPSession, o *options) {
	s.SetStreamMode(o.streamMode)
	s.SetWriteDelay(false)
	s.SetNoDelay(o.noDelay, o.interval, o.resend, o.nc)
	if !s.SetMtu(o.mtu) {
		fatalf("--mtu %d rejected by kcp-go", o.mtu)
	}
	s.SetWindowSize(o.sndWnd, o.rcvWnd)
	s.SetACKNoDelay(o.ackNoDelay)
}

// waitDrained polls until every segment of s has been acknowledged or deadline passes.
func waitDrained(s *kcp.UDPSession, deadline time.Time) error {
	for waitSnd(s) > 0 {
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for the peer to acknowledge everything")
		}
		time.Sleep(pollEvery)
	}
	return nil
}

// sendStream writes n bytes of the deterministic stream to s and returns their SHA-256.
func sendStream(s *kcp.UDPSession, n int64) (string, error) {
	gen := newStreamGen()
	h := sha256.New()
	buf := make([]byte, chunkSize)
	for left := n; left > 0; {
		c := int64(len(buf))
		if left < c {
			c = left
		}
		gen.fill(buf[:c])
		h.Write(buf[:c])
		if _, err := s.Write(buf[:c]); err != nil {
			return "", err
		}
		left -= c
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// verifier checks received bytes against the deterministic stream while hashing them.
type verifier struct {
	gen      *streamGen
	h        hash.Hash
	expected []byte
	count    int64
	mismatch int64 // offset of the first wrong byte, -1 while everything matched
}

func newVerifier() *verifier {
	return &verifier{gen: newStreamGen(), h: sha256.New(), expected: make([]byte, chunkSize), mismatch: -1}
}

func (v *verifier) add(p []byte) {
	v.h.Write(p)
	for len(p) > 0 {
		c := len(p)
		if c > len(v.expected) {
			c = len(v.expected)
		}
		exp := v.expected[:c]
		v.gen.fill(exp)
		if v.mismatch < 0 {
			for i := range exp {
				if exp[i] != p[i] {
					v.mismatch = v.count + int64(i)
					break
				}
			}
		}
		v.count += int64(c)
		p = p[c:]
	}
}

func (v *verifier) sum() string { return hex.EncodeToString(v.h.Sum(nil)) }
