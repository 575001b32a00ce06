package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

var ratioLine = regexp.MustCompile(`energy drift ratio baseline/HNN: ([0-9.e+]+)`)

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := run([]string{"-periods", "10", "-out", dir}, &buf); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + buf.String())
	m := ratioLine.FindStringSubmatch(buf.String())
	if m == nil {
		t.Fatalf("no drift ratio in output:\n%s", buf.String())
	}
	r, err := strconv.ParseFloat(m[1], 64)
	if err != nil || r < 10 {
		t.Errorf("baseline/HNN energy drift ratio %v (%v), want ≥ 10", r, err)
	}
	st, err := os.Stat(filepath.Join(dir, "hnn.png"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < 10000 {
		t.Errorf("hnn.png is only %d bytes", st.Size())
	}
	if err := run([]string{"-samples", "0"}, &buf); err == nil {
		t.Error("-samples 0 accepted")
	}
}
