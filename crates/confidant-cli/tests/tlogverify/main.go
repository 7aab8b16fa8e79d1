// Command tlogverify checks a Confidant audit log exported with
// `confidant audit export DIR` using Go's golang.org/x/mod/sumdb/tlog and
// sumdb/note — a transparency-log implementation written elsewhere — so the
// log's C2SP formats are checked by code nobody on this project wrote.
//
// Usage: tlogverify DIR VKEY
//
// It opens DIR/checkpoint with note.Open under VKEY (a signed-note verifier
// key, as `confidant audit vkey` prints), reads every entry bundle and
// recomputes the tree with tlog.StoredHashesForRecordHash and tlog.TreeHash,
// compares every tile file with tlog.ReadTileData over those hashes, then
// reads the tiles through tlog.TileHashReader (which authenticates them
// against the checkpoint) to prove and check the inclusion of sample
// entries with tlog.ProveRecord and tlog.CheckRecord. Exit 0 when all
// holds; 1 naming the first failure; 2 on bad usage.
//
// C2SP tlog-tiles paths are Go's sumdb tile paths without the height
// component (`tile/0/x001/234` for Go's `tile/8/0/x001/234`), and entry
// bundles sit where Go's data tiles would (`tile/entries/…`).
//
// Built in GOPATH mode against Debian's golang-golang-x-mod-dev:
// GO111MODULE=off GOPATH=/usr/share/gocode go build.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tlogverify DIR VKEY")
		os.Exit(2)
	}
	summary, err := verify(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogverify:", err)
		os.Exit(1)
	}
	fmt.Println(summary)
}

// c2spPath is the C2SP path of a Go tile: Go's path without the height;
// data tiles (level -1) are the entry bundles.
func c2spPath(t tlog.Tile) string {
	p := t.Path()
	prefix := fmt.Sprintf("tile/%d/", height)
	p = strings.TrimPrefix(p, prefix)
	p = strings.Replace(p, "data/", "entries/", 1)
	return "tile/" + p
}

func verify(dir, vkey string) (string, error) {
	verifier, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return "", fmt.Errorf("verifier key: %v", err)
	}
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return "", err
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return "", fmt.Errorf("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		return "", fmt.Errorf("checkpoint: not a checkpoint of origin %q", verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 1 {
		return "", fmt.Errorf("checkpoint: bad tree size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		return "", fmt.Errorf("checkpoint: bad root hash %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)
	tree := tlog.Tree{N: size, Hash: root}

	// Every entry bundle, each entry's record hash.
	records := make([]tlog.Hash, 0, size)
	for index := int64(0); index*(1<<height) < size; index++ {
		width := size - index*(1<<height)
		if width > 1<<height {
			width = 1 << height
		}
		bundle := tlog.Tile{H: height, L: -1, N: index, W: int(width)}
		data, err := os.ReadFile(filepath.Join(dir, c2spPath(bundle)))
		if err != nil {
			return "", err
		}
		entries, err := parseBundle(data)
		if err != nil {
			return "", fmt.Errorf("%s: %v", c2spPath(bundle), err)
		}
		if int64(len(entries)) != width {
			return "", fmt.Errorf("%s: %d entries, want %d", c2spPath(bundle), len(entries), width)
		}
		for _, entry := range entries {
			if len(entry) != 32 {
				return "", fmt.Errorf("%s: an entry of %d bytes, want a 32-byte commitment", c2spPath(bundle), len(entry))
			}
			records = append(records, tlog.RecordHash(entry))
		}
	}

	// Go's own tree over those records.
	var stored []tlog.Hash
	memory := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d not computed", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, record := range records {
		hashes, err := tlog.StoredHashesForRecordHash(int64(i), record, memory)
		if err != nil {
			return "", err
		}
		stored = append(stored, hashes...)
	}
	computed, err := tlog.TreeHash(size, memory)
	if err != nil {
		return "", err
	}
	if computed != root {
		return "", fmt.Errorf("the entries hash to %v, but the checkpoint says %v", computed, root)
	}

	// Every tile against the tile Go builds from the same hashes. NewTiles
	// lists each partial width up to the published one; those narrower
	// are read as prefixes of the published partial tile.
	tiles := tlog.NewTiles(height, 0, size)
	files := tileReader{dir}
	for _, t := range tiles {
		want, err := tlog.ReadTileData(t, memory)
		if err != nil {
			return "", err
		}
		got, err := files.ReadTiles([]tlog.Tile{t})
		if err != nil {
			return "", err
		}
		if !bytes.Equal(got[0], want) {
			return "", fmt.Errorf("%s differs from the tile recomputed from the entries", c2spPath(t))
		}
	}

	// Inclusion proofs read through the tiles alone.
	reader := tlog.TileHashReader(tree, tileReader{dir})
	viaTiles, err := tlog.TreeHash(size, reader)
	if err != nil {
		return "", fmt.Errorf("tiles: %v", err)
	}
	if viaTiles != root {
		return "", fmt.Errorf("the tiles hash to %v, but the checkpoint says %v", viaTiles, root)
	}
	proofs := 0
	seen := map[int64]bool{}
	for _, i := range []int64{0, 1, 255, 256, 257, size / 3, size / 2, size - 2, size - 1} {
		if i < 0 || i >= size || seen[i] {
			continue
		}
		seen[i] = true
		proof, err := tlog.ProveRecord(size, i, reader)
		if err != nil {
			return "", fmt.Errorf("entry %d: %v", i, err)
		}
		if err := tlog.CheckRecord(proof, size, root, i, records[i]); err != nil {
			return "", fmt.Errorf("entry %d: %v", i, err)
		}
		proofs++
	}
	return fmt.Sprintf("ok: %s, %d entries, root %v, %d tiles, %d inclusion proofs", verifier.Name(), size, root, len(tiles), proofs), nil
}

// parseBundle splits a C2SP entry bundle: each entry a big-endian uint16
// length and that many bytes.
func parseBundle(data []byte) ([][]byte, error) {
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, fmt.Errorf("cut short")
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, fmt.Errorf("cut short")
		}
		entries = append(entries, data[2:2+n])
		data = data[2+n:]
	}
	return entries, nil
}

// tileReader serves tiles from the exported directory: the tile as asked,
// else the full tile, else the one wider partial tile present (a partial
// tile is a prefix of every wider one), cut to the width asked.
type tileReader struct{ dir string }

func (r tileReader) Height() int { return height }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		want := t.W * tlog.HashSize
		candidates := []string{c2spPath(t)}
		full := t
		full.W = 1 << height
		candidates = append(candidates, c2spPath(full))
		wider, _ := filepath.Glob(filepath.Join(r.dir, c2spPath(full)+".p", "*"))
		for _, path := range wider {
			rel, _ := filepath.Rel(r.dir, path)
			candidates = append(candidates, rel)
		}
		for _, path := range candidates {
			data, err := os.ReadFile(filepath.Join(r.dir, path))
			if err == nil && len(data) >= want {
				out[i] = data[:want]
				break
			}
		}
		if out[i] == nil {
			return nil, fmt.Errorf("no file holds %s", c2spPath(t))
		}
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}
