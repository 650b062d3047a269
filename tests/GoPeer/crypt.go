package main

import (
	"crypto/sha1"
	"fmt"

	kcp "github.com/xtaci/kcp-go"
	"golang.org/x/crypto/pbkdf2"
)

// newBlockCrypt maps a kcptun --crypt name onto a kcp-go BlockCrypt with kcptun's key
// slicing (kcp-wire.md §4.2, §4.7). "null" means no crypto layer at all (nil).
// Unlike kcptun, an unknown name is an error instead of silently meaning aes: a typo in
// a test must not pass as a working cipher on both sides.
func newBlockCrypt(name, key string) (kcp.BlockCrypt, error) {
	pass := pbkdf2.Key([]byte(key), []byte("kcp-go"), 4096, 32, sha1.New)
	switch name {
	case "null":
		return nil, nil
	case "none":
		return kcp.NewNoneBlockCrypt(pass)
	case "aes":
		return kcp.NewAESBlockCrypt(pass)
	case "aes-128":
		return kcp.NewAESBlockCrypt(pass[:16])
	case "aes-192":
		return kcp.NewAESBlockCrypt(pass[:24])
	case "salsa20":
		return kcp.NewSalsa20BlockCrypt(pass)
	case "blowfish":
		return kcp.NewBlowfishBlockCrypt(pass)
	case "twofish":
		return kcp.NewTwofishBlockCrypt(pass)
	case "cast5":
		return kcp.NewCast5BlockCrypt(pass[:16])
	case "3des":
		return kcp.NewTripleDESBlockCrypt(pass[:24])
	case "tea":
		return kcp.NewTEABlockCrypt(pass[:16])
	case "xtea":
		return kcp.NewXTEABlockCrypt(pass[:16])
	case "xor":
		return kcp.NewSimpleXORBlockCrypt(pass)
	case "sm4":
		return kcp.NewSM4BlockCrypt(pass[:16])
	default:
		return nil, fmt.Errorf("unknown --crypt %q", name)
	}
}
