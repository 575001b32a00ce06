package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/internal/dataio"
)

func TestDemoWritesCSVAndPNG(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"-t1", "10", "-n", "101", "-out", dir}, &out); err != nil {
		t.Fatal(err)
	}
	// y(10) within the tolerance-sized error of the reference
	if !strings.Contains(out.String(), "y(10) = (-4.90") {
		t.Errorf("unexpected output:\n%s", out.String())
	}
	f, err := os.Open(filepath.Join(dir, "lorenz.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := dataio.ReadCSV(f, "lorenz.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 101 || strings.Join(tab.Header, ",") != "t,x,y,z" {
		t.Errorf("CSV: %d rows, header %v", len(tab.Rows), tab.Header)
	}
	png, err := os.ReadFile(filepath.Join(dir, "lorenz.png"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("PNG missing or invalid (err %v)", err)
	}
}
