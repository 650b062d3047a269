package main

import "encoding/binary"

// streamGen produces the deterministic test payload shared with the C# side (TestStream):
// splitmix64 seeded with 1, each 64-bit output written little-endian, concatenated.
// Both peers generate it independently so a transfer can be verified without sending a reference copy.
type streamGen struct {
	state uint64
	word  [8]byte
	used  int // bytes of word already handed out; 8 means "draw the next word"
}

func newStreamGen() *streamGen { return &streamGen{state: 1, used: 8} }

func (g *streamGen) next() uint64 {
	g.state += 0x9E3779B97F4A7C15
	z := g.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// fill writes the next len(p) bytes of the stream into p.
func (g *streamGen) fill(p []byte) {
	for len(p) > 0 {
		if g.used == 8 {
			binary.LittleEndian.PutUint64(g.word[:], g.next())
			g.used = 0
		}
		n := copy(p, g.word[g.used:])
		g.used += n
		p = p[n:]
	}
}
