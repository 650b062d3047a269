package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// options holds every flag. Names follow kcptun where kcptun has one; --mode is ours
// (the test scenario) and kcptun's --mode is spelled --mode-preset here.
type options struct {
	role string // "listen" or "dial"
	addr string

	mode        string // "", echo, sink, source
	crypt       string
	key         string
	dataShard   int
	parityShard int
	preset      string
	noDelay     int
	interval    int
	resend      int
	nc          int
	sndWnd      int
	rcvWnd      int
	mtu         int
	streamMode  bool
	ackNoDelay  bool
	dscp        int
	sockBuf     int
	timeout     time.Duration
	idleEnd     time.Duration
	bytes       int64
	bytesSet    bool
	sessions    int
}

type flagKind int

const (
	kindString flagKind = iota
	kindInt
	kindBool
)

type flagDef struct {
	kind flagKind
	set  func(o *options, v string) error
}

func intFlag(dst func(o *options) *int) flagDef {
	return flagDef{kindInt, func(o *options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		*dst(o) = n
		return nil
	}}
}

func secondsFlag(dst func(o *options) *time.Duration) flagDef {
	return flagDef{kindInt, func(o *options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		*dst(o) = time.Duration(n) * time.Second
		return nil
	}}
}

func boolFlag(dst func(o *options) *bool) flagDef {
	return flagDef{kindBool, func(o *options, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		*dst(o) = b
		return nil
	}}
}

func stringFlag(dst func(o *options) *string) flagDef {
	return flagDef{kindString, func(o *options, v string) error { *dst(o) = v; return nil }}
}

var flagDefs = map[string]flagDef{
	"mode":        stringFlag(func(o *options) *string { return &o.mode }),
	"crypt":       stringFlag(func(o *options) *string { return &o.crypt }),
	"key":         stringFlag(func(o *options) *string { return &o.key }),
	"datashard":   intFlag(func(o *options) *int { return &o.dataShard }),
	"parityshard": intFlag(func(o *options) *int { return &o.parityShard }),
	"mode-preset": stringFlag(func(o *options) *string { return &o.preset }),
	"nodelay":     intFlag(func(o *options) *int { return &o.noDelay }),
	"interval":    intFlag(func(o *options) *int { return &o.interval }),
	"resend":      intFlag(func(o *options) *int { return &o.resend }),
	"nc":          intFlag(func(o *options) *int { return &o.nc }),
	"sndwnd":      intFlag(func(o *options) *int { return &o.sndWnd }),
	"rcvwnd":      intFlag(func(o *options) *int { return &o.rcvWnd }),
	"mtu":         intFlag(func(o *options) *int { return &o.mtu }),
	"streammode":  boolFlag(func(o *options) *bool { return &o.streamMode }),
	"acknodelay":  boolFlag(func(o *options) *bool { return &o.ackNoDelay }),
	"dscp":        intFlag(func(o *options) *int { return &o.dscp }),
	"sockbuf":     intFlag(func(o *options) *int { return &o.sockBuf }),
	"sessions":    intFlag(func(o *options) *int { return &o.sessions }),
	"timeout":     secondsFlag(func(o *options) *time.Duration { return &o.timeout }),
	"idle-end":    secondsFlag(func(o *options) *time.Duration { return &o.idleEnd }),
	"bytes": {kindInt, func(o *options, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		o.bytes = n
		o.bytesSet = true
		return nil
	}},
}

// kcptun's NoDelay tuples (nodelay, interval, resend, nc) for its --mode values.
var presets = map[string][4]int{
	"normal": {0, 40, 2, 1},
	"fast":   {0, 30, 2, 1},
	"fast2":  {1, 20, 2, 1},
	"fast3":  {1, 10, 2, 1},
}

// parseArgs accepts flags before or after the positional address, as "--name value",
// "--name=value", or for booleans also a bare "--name" (= true). A bare boolean may be
// followed by an explicit true/false word, so "--streammode false" means what it says.
func parseArgs(args []string) (*options, error) {
	o := &options{
		crypt:      "null",
		key:        "it's a secrect",
		preset:     "fast",
		sndWnd:     128,
		rcvWnd:     128,
		mtu:        1400,
		streamMode: true,
		sockBuf:    4 << 20, // kcptun's default --sockbuf
		timeout:    60 * time.Second,
		idleEnd:    defaultIdleEnd,
		sessions:   1,
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("missing command (listen or dial)")
	}
	o.role = args[0]
	if o.role != "listen" && o.role != "dial" {
		return nil, fmt.Errorf("unknown command %q (want listen or dial)", o.role)
	}

	overrides := map[string]bool{}
	var positional []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		value, hasValue := "", false
		if eq := strings.IndexByte(name, '='); eq >= 0 {
			name, value, hasValue = name[:eq], name[eq+1:], true
		}
		def, ok := flagDefs[name]
		if !ok {
			return nil, fmt.Errorf("unknown flag --%s", name)
		}
		if !hasValue {
			if def.kind == kindBool {
				value = "true"
				if i+1 < len(args) && (args[i+1] == "true" || args[i+1] == "false") {
					i++
					value = args[i]
				}
			} else {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("flag --%s needs a value", name)
				}
				i++
				value = args[i]
			}
		}
		if err := def.set(o, value); err != nil {
			return nil, fmt.Errorf("flag --%s: %v", name, err)
		}
		overrides[name] = true
	}
	if len(positional) != 1 {
		return nil, fmt.Errorf("expected exactly one HOST:PORT, got %d positional arguments", len(positional))
	}
	o.addr = positional[0]

	tuple, ok := presets[o.preset]
	if !ok {
		return nil, fmt.Errorf("unknown --mode-preset %q (normal, fast, fast2, fast3)", o.preset)
	}
	// The preset fills only what was not given explicitly, as kcptun's manual mode does.
	fields := []struct {
		name string
		dst  *int
	}{{"nodelay", &o.noDelay}, {"interval", &o.interval}, {"resend", &o.resend}, {"nc", &o.nc}}
	for k, f := range fields {
		if !overrides[f.name] {
			*f.dst = tuple[k]
		}
	}

	switch o.mode {
	case "", "echo", "sink", "source":
	default:
		return nil, fmt.Errorf("unknown --mode %q (echo, sink, source, or omit for a stdin/stdout pipe)", o.mode)
	}
	if o.role == "dial" && o.mode != "" && !o.bytesSet {
		return nil, fmt.Errorf("dial --mode %s needs --bytes N", o.mode)
	}
	if o.role == "listen" && o.mode == "source" && !o.bytesSet {
		return nil, fmt.Errorf("listen --mode source needs --bytes N")
	}
	if o.bytes < 0 || o.sessions < 1 || o.timeout <= 0 || o.idleEnd <= 0 || o.dataShard < 0 || o.parityShard < 0 {
		return nil, fmt.Errorf("--bytes, --sessions, --timeout, --idle-end, --datashard and --parityshard must be positive")
	}
	return o, nil
}
