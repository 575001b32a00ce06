package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	initialLL = regexp.MustCompile(`iter +0 +held-out log-likelihood +(-?[0-9.]+)`)
	finalLL   = regexp.MustCompile(`final held-out log-likelihood (-?[0-9.]+) after (\d+) iterations`)
	progress  = regexp.MustCompile(`iter +\d+ +batch NLL +[0-9.]+ +held-out log-likelihood +-?[0-9.]+ +NFE forward +[0-9.]+ backward +[0-9.]+ +[0-9.]+ ms/iter`)
)

// TestDemoLearnsAndPlots runs a short training on moons and checks that
// the held-out log-likelihood improves, that progress lines are printed
// and that the figure is a PNG of the requested size.
func TestDemoLearnsAndPlots(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	err := run([]string{"-data", "moons", "-niters", "60", "-batch", "64", "-hidden", "16,16", "-lr", "1e-2", "-print", "20", "-grid", "25", "-out", dir}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Log(out)
	m0, m1 := initialLL.FindStringSubmatch(out), finalLL.FindStringSubmatch(out)
	if m0 == nil || m1 == nil || m1[2] != "60" {
		t.Fatalf("no initial or final log-likelihood in the output")
	}
	if n := len(progress.FindAllString(out, -1)); n != 3 {
		t.Errorf("%d progress lines, want 3", n)
	}
	l0, _ := strconv.ParseFloat(m0[1], 64)
	l1, _ := strconv.ParseFloat(m1[1], 64)
	if !(l1 > l0+0.5) {
		t.Errorf("held-out log-likelihood %.4f after 60 iterations, %.4f before", l1, l0)
	}
	f, err := os.Open(filepath.Join(dir, "cnf.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width < 3*cfg.Height-10 || cfg.Height < 100 {
		t.Errorf("figure is %d×%d, want three square panels side by side", cfg.Width, cfg.Height)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-data", "spirals"},
		{"-hidden", "16,x"},
		{"-trace", "approx"},
		{"-adjoint", "magic"},
		{"-batch", "0"},
	} {
		var buf bytes.Buffer
		err := run(append(args, "-niters", "1", "-out", ""), &buf)
		if err == nil {
			t.Errorf("%s: no error", strings.Join(args, " "))
		}
	}
}
