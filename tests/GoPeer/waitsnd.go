package main

import (
	"reflect"
	"sync"
	"unsafe"

	kcp "github.com/xtaci/kcp-go"
)

// kcp-go 5.6.1's UDPSession does not export its engine, so there is no public way to ask
// how many segments still wait for an acknowledgement (later versions add GetWaitSnd).
// The sink and source modes need exactly that to know the peer has everything, so we read
// the unexported fields "mu" and "kcp" by reflection and call KCP.WaitSnd under the
// session's own lock, as the session itself does. checkSessionLayout fails at start-up if
// the fields are not there, so a different kcp-go cannot make this silently wrong.
func sessionInternals(s *kcp.UDPSession) (*sync.Mutex, *kcp.KCP) {
	v := reflect.ValueOf(s).Elem()
	mu := v.FieldByName("mu")
	engine := v.FieldByName("kcp")
	if !mu.IsValid() || mu.Type() != reflect.TypeOf(sync.Mutex{}) ||
		!engine.IsValid() || engine.Type() != reflect.TypeOf((*kcp.KCP)(nil)) {
		fatalf("this kcp-go has no UDPSession.mu/UDPSession.kcp fields; the peer is written against 5.6.1")
	}
	return (*sync.Mutex)(unsafe.Pointer(mu.UnsafeAddr())), *(**kcp.KCP)(unsafe.Pointer(engine.UnsafeAddr()))
}

func checkSessionLayout() {
	v := reflect.TypeOf(kcp.UDPSession{})
	if f, ok := v.FieldByName("mu"); !ok || f.Type != reflect.TypeOf(sync.Mutex{}) {
		fatalf("this kcp-go has no UDPSession.mu field; the peer is written against 5.6.1")
	}
	if f, ok := v.FieldByName("kcp"); !ok || f.Type != reflect.TypeOf((*kcp.KCP)(nil)) {
		fatalf("this kcp-go has no UDPSession.kcp field; the peer is written against 5.6.1")
	}
}

// waitSnd returns the number of segments queued or in flight (not yet acknowledged).
func waitSnd(s *kcp.UDPSession) int {
	mu, engine := sessionInternals(s)
	mu.Lock()
	defer mu.Unlock()
	return engine.WaitSnd()
}
