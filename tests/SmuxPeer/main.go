// smux-peer: the Go side of the smux interop tests (tests/Kcp.Smux.Tests). It runs xtaci/smux over kcp-go, with
// kcptun's snappy compression (golang/snappy framing) unless -nocomp, exactly as kcptun wires them.
//
//	smux-peer listen 127.0.0.1:0 [flags]   accept sessions; every stream is echoed
//	smux-peer dial HOST:PORT [flags]       open -streams streams, send -bytes each, read the echo back, verify
//
// Output: JSON lines on stdout ({"event":"listening","addr":...}; the dialer's {"streams":N,"bytes":B,"ok":true,...}).
package main

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/golang/snappy"
	kcp "github.com/xtaci/kcp-go"
	"github.com/xtaci/smux"
	"golang.org/x/crypto/pbkdf2"
)

type compStream struct {
	conn net.Conn
	w    *snappy.Writer
	r    *snappy.Reader
}

func (c *compStream) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *compStream) Write(p []byte) (int, error) {
	if _, err := c.w.Write(p); err != nil {
		return 0, err
	}
	if err := c.w.Flush(); err != nil {
		return 0, err
	}
	return len(p), nil
}
func (c *compStream) Close() error { return c.conn.Close() }

var (
	smuxVer   = flag.Int("smuxver", 2, "smux version")
	noComp    = flag.Bool("nocomp", false, "no snappy compression")
	key       = flag.String("key", "it's a secrect", "key")
	crypt     = flag.String("crypt", "aes", "aes or none")
	streams   = flag.Int("streams", 1, "dial: concurrent streams")
	size      = flag.Int("bytes", 1<<20, "dial: bytes per stream")
	streamBuf = flag.Int("streambuf", 2097152, "smux MaxStreamBuffer")
	timeout   = flag.Int("timeout", 120, "seconds before giving up")
)

func emit(v map[string]interface{}) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func block() kcp.BlockCrypt {
	pass := pbkdf2.Key([]byte(*key), []byte("kcp-go"), 4096, 32, sha1.New)
	if *crypt == "none" {
		b, _ := kcp.NewNoneBlockCrypt(pass)
		return b
	}
	b, _ := kcp.NewAESBlockCrypt(pass)
	return b
}

func tune(c *kcp.UDPSession) {
	c.SetStreamMode(true)
	c.SetWriteDelay(false)
	c.SetNoDelay(0, 30, 2, 1)
	c.SetWindowSize(512, 512)
	c.SetMtu(1350)
}

func config() *smux.Config {
	cfg := smux.DefaultConfig()
	cfg.Version = *smuxVer
	cfg.MaxReceiveBuffer = 4194304
	cfg.MaxStreamBuffer = *streamBuf
	return cfg
}

func wrap(c net.Conn) io.ReadWriteCloser {
	if *noComp {
		return c
	}
	return &compStream{conn: c, w: snappy.NewBufferedWriter(c), r: snappy.NewReader(c)}
}

// payload is deterministic per stream index, so both sides can check it.
func payload(i, n int) []byte {
	b := make([]byte, n)
	x := uint32(i*2654435761 + 1)
	for k := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[k] = byte(x)
	}
	return b
}

func listen(addr string) {
	lis, err := kcp.ListenWithOptions(addr, block(), 10, 3)
	if err != nil {
		emit(map[string]interface{}{"event": "error", "error": err.Error()})
		os.Exit(1)
	}
	emit(map[string]interface{}{"event": "listening", "addr": lis.Addr().String()})
	for {
		conn, err := lis.AcceptKCP()
		if err != nil {
			return
		}
		tune(conn)
		go func() {
			sess, err := smux.Server(wrap(conn), config())
			if err != nil {
				return
			}
			for {
				st, err := sess.AcceptStream()
				if err != nil {
					emit(map[string]interface{}{"event": "session", "error": err.Error()})
					return
				}
				go func(st *smux.Stream) {
					n, _ := io.Copy(st, st)
					emit(map[string]interface{}{"event": "stream", "id": st.ID(), "bytes": n})
					st.Close()
				}(st)
			}
		}()
	}
}

func dial(addr string) {
	conn, err := kcp.DialWithOptions(addr, block(), 10, 3)
	if err != nil {
		emit(map[string]interface{}{"ok": false, "error": err.Error()})
		os.Exit(1)
	}
	tune(conn)
	sess, err := smux.Client(wrap(conn), config())
	if err != nil {
		emit(map[string]interface{}{"ok": false, "error": err.Error()})
		os.Exit(1)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan string, *streams)
	for i := 0; i < *streams; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st, err := sess.OpenStream()
			if err != nil {
				errs <- err.Error()
				return
			}
			defer st.Close()
			data := payload(i, *size)
			go st.Write(data)
			got := make([]byte, len(data))
			st.SetReadDeadline(time.Now().Add(time.Duration(*timeout) * time.Second))
			if _, err := io.ReadFull(st, got); err != nil {
				errs <- fmt.Sprintf("stream %d: %v", st.ID(), err)
				return
			}
			if sha256.Sum256(got) != sha256.Sum256(data) {
				errs <- fmt.Sprintf("stream %d: echo differs", st.ID())
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	seconds := time.Since(start).Seconds()
	var first string
	failed := 0
	for e := range errs {
		if first == "" {
			first = e
		}
		failed++
	}
	sum := sha256.Sum256(payload(0, *size))
	out := map[string]interface{}{"streams": *streams, "bytes": *size, "seconds": seconds,
		"mbps": float64(*streams**size*2) * 8 / 1e6 / seconds, "ok": failed == 0, "failed": failed, "sha256_0": hex.EncodeToString(sum[:])}
	if first != "" {
		out["error"] = first
	}
	emit(out)
	sess.Close()
	if failed != 0 {
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: smux-peer listen|dial ADDR [flags]")
		os.Exit(2)
	}
	mode, addr := os.Args[1], os.Args[2]
	flag.CommandLine.Parse(os.Args[3:])
	go func() {
		time.Sleep(time.Duration(*timeout) * time.Second)
		emit(map[string]interface{}{"event": "timeout"})
		os.Exit(3)
	}()
	if mode == "listen" {
		listen(addr)
	} else {
		dial(addr)
	}
}
