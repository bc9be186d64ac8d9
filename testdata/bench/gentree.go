//go:build ignore

// gentree writes a benchmark source tree: many small text files (source
// code), a few large compressible files (logs, JSON fixtures) and a few
// incompressible ones (images), about SIZE megabytes in all. FILES, when
// given, is the number of small source files (their mean size follows);
// otherwise they are 1-16 KiB each.
//
//	go run testdata/bench/gentree.go DIR SIZE_MB [FILES]
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	dir, mb := os.Args[1], must(strconv.Atoi(os.Args[2]))
	total := int64(mb) << 20
	r := rand.New(rand.NewPCG(1, 2)) // same tree every time
	words := strings.Fields("func return if else for range var const type struct import package err nil string int")
	text := func(n int) []byte {
		var b strings.Builder
		for b.Len() < n {
			b.WriteString(words[r.IntN(len(words))])
			if r.IntN(8) == 0 {
				b.WriteString("\n\t")
			} else {
				b.WriteByte(' ')
			}
		}
		return []byte(b.String()[:n])
	}
	var written int64
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			panic(err)
		}
		written += int64(len(data))
	}
	write("package.json", []byte(`{"name":"bench","scripts":{"start":"node index.js"}}`+"\n"))
	// 40% small source files, 1-16 KiB each unless FILES sets their number.
	if len(os.Args) > 3 {
		n := must(strconv.Atoi(os.Args[3]))
		mean := int(total * 4 / 10 / int64(n))
		for i := range n {
			write(fmt.Sprintf("src/pkg%03d/file%06d.go", i%200, i), text(mean/2+r.IntN(mean)))
		}
	}
	for i := 0; written < total*4/10; i++ {
		write(fmt.Sprintf("src/pkg%03d/file%05d.go", i%200, i), text(1024+r.IntN(15*1024)))
	}
	// 35% large compressible files.
	for i := 0; written < total*75/100; i++ {
		write(fmt.Sprintf("fixtures/data%02d.json", i), text(int(min(total/8, total*75/100-written+1))))
	}
	// 25% incompressible files.
	for i := 0; written < total; i++ {
		b := make([]byte, min(total/8, total-written)+1)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		write(fmt.Sprintf("static/img%02d.png", i), b)
	}
	fmt.Printf("%s: %d MB\n", dir, written>>20)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
