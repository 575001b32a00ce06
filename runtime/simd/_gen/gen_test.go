//go:build generate

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate regenerates the kernels in a scratch copy of this
// directory, with exactly the committed command line (it is recorded in the
// output's header), and fails if the committed files differ:
//
//	cd runtime/simd/_gen && go test -tags generate .
func TestGeneratedUpToDate(t *testing.T) {
	root := t.TempDir()
	gen := filepath.Join(root, "_gen")
	if err := os.Mkdir(gen, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"gen.go", "go.mod", "go.sum"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(gen, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "run", "-tags", "generate", "gen.go",
		"-out", "../kernels_amd64.s", "-stubs", "../kernels_amd64.go", "-pkg", "simd")
	cmd.Dir = gen
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator failed: %v\n%s", err, out)
	}
	for _, f := range []string{"kernels_amd64.s", "kernels_amd64.go"} {
		want, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("committed %s differs from the generator's output; run `go generate ./runtime/simd`", f)
		}
	}
}
