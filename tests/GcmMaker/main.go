// Command gcm-maker seals and opens datagrams in the layout of kcptun's aes-128-gcm (kcp-go >= v5.6.49) with Go's
// standard library only: key = first 16 bytes of PBKDF2-HMAC-SHA1(passphrase, "kcp-go", 4096, 32); datagram = nonce
// (12) | AES-GCM ciphertext | tag (16), no associated data. It is the maker of vectors.md V9 and the reference the
// C# tests compare against.
//
// Usage: gcm-maker <passphrase>, then one request per stdin line:
//
//	seal <nonce hex> <plaintext hex>  ->  <datagram hex>
//	open <datagram hex>               ->  <plaintext hex> | FAIL
package main

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/pbkdf2"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gcm-maker <passphrase>")
		os.Exit(2)
	}
	pass := pbkdf2.Key([]byte(os.Args[1]), []byte("kcp-go"), 4096, 32, sha1.New)
	block, err := aes.NewCipher(pass[:16])
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<16)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		f := strings.Fields(in.Text())
		switch {
		case len(f) == 3 && f[0] == "seal":
			nonce, _ := hex.DecodeString(f[1])
			plain, _ := hex.DecodeString(f[2])
			sealed := aead.Seal(append([]byte{}, nonce...), nonce, plain, nil)
			fmt.Fprintln(out, hex.EncodeToString(sealed))
		case len(f) == 2 && f[0] == "open":
			d, _ := hex.DecodeString(f[1])
			if len(d) < 28 {
				fmt.Fprintln(out, "FAIL")
				continue
			}
			plain, err := aead.Open(nil, d[:12], d[12:], nil)
			if err != nil {
				fmt.Fprintln(out, "FAIL")
			} else {
				fmt.Fprintln(out, hex.EncodeToString(plain))
			}
		default:
			fmt.Fprintln(out, "FAIL")
		}
	}
}
