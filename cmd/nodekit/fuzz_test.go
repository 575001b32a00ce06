package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzSimFlags runs `nodekit sim` through dispatch with fuzzed flag
// values on an ODE and an SDE model: it never panics, exits 0, 1 or 2,
// explains every failure on stderr, and writes no CSV when it fails.
// Arguments that would make a run slow but are valid (many points or
// paths) are skipped.
func FuzzSimFlags(f *testing.F) {
	f.Add(false, "101", "0", "10", "", "x=2", "", "1", "")
	f.Add(true, "5", "0", "1", "", "x=0.5", "euler", "3", "")
	f.Add(false, "0", "1", "-1", "-1", "unknown=1", "nope", "0", "Missing")
	f.Add(true, "1", "NaN", "Inf", "1e-300", "k[3]=1", "milstein", "-1", "O")
	f.Add(false, "3", "1e300", "1.0000000000000002e300", "", "x=NaN", "rk4", "1", "L")
	f.Add(false, "3", "0", "1", "0.3", "x[0]=1", "euler", "1", "")
	dir := f.TempDir()
	ode := filepath.Join(dir, "l.node")
	sde := filepath.Join(dir, "o.node")
	if err := os.WriteFile(ode, []byte(decayNode), 0o644); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(sde, []byte(ouNode), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, noisy bool, n, t0, t1, dt, set, method, paths, model string) {
		// Skip valid but expensive requests.
		if v, err := strconv.ParseFloat(n, 64); err == nil && v > 2000 {
			return
		}
		if v, err := strconv.ParseFloat(paths, 64); err == nil && v > 20 {
			return
		}
		a, errA := strconv.ParseFloat(t0, 64)
		b, errB := strconv.ParseFloat(t1, 64)
		h, errH := strconv.ParseFloat(dt, 64)
		if dt != "" && errA == nil && errB == nil && errH == nil && h > 0 && (b-a)/h > 2000 {
			return
		}
		if errA == nil && errB == nil && b-a > 1e4 {
			return // long adaptive solves
		}
		file := ode
		if noisy {
			file = sde
		}
		out := filepath.Join(t.TempDir(), "out.csv")
		args := []string{"sim", file, "-o", out, "-t0", t0, "-t1", t1, "-set", set, "-paths", paths}
		if dt != "" {
			args = append(args, "-dt", dt)
		} else {
			args = append(args, "-n", n)
		}
		if method != "" {
			args = append(args, "-method", method)
		}
		if model != "" {
			args = append(args, "-model", model)
		}
		code, _, errs := run(t, args...)
		switch code {
		case 0:
			if _, err := os.Stat(out); err != nil {
				t.Fatalf("%q: exit 0 without output: %v", args, err)
			}
		case 1, 2:
			if strings.TrimSpace(errs) == "" {
				t.Fatalf("%q: exit %d with nothing on stderr", args, code)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatalf("%q: exit %d but %s was written", args, code, out)
			}
		default:
			t.Fatalf("%q: exit %d", args, code)
		}
	})
}
