package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	decayNode = "model L {\n    param k = 1\n    state x = 1\n    x' = -k*x\n}\n"
	ouNode    = "model O {\n    state x = 1\n    x' = -x\n    noise x = 0.1\n}\n"
)

// TestSimFlagErrors: bad flag values are usage errors (exit 2) that say
// what is wrong, checked before anything is simulated or written.
func TestSimFlagErrors(t *testing.T) {
	dir := t.TempDir()
	decay := writeFile(t, dir, "l.node", decayNode)
	ou := writeFile(t, dir, "o.node", ouNode)
	out := filepath.Join(dir, "out.csv")
	big := writeFile(t, dir, "big.node", "model B {\n    state h[20000] = 1\n    h' = -h\n}\n")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{decay, "-n", "0"}, 2, "-n must be between 2 and 1e7"},
		{[]string{decay, "-n", "1"}, 2, "-n must be between 2 and 1e7"},
		{[]string{decay, "-n", "-5"}, 2, "-n must be between 2 and 1e7"},
		{[]string{decay, "-t1", "-1"}, 2, "need finite t0 < t1"},
		{[]string{decay, "-t0", "NaN"}, 2, "need finite t0 < t1"},
		{[]string{decay, "-t1", "+Inf"}, 2, "need finite t0 < t1"},
		{[]string{decay, "-dt", "-1"}, 2, "-dt must be positive"},
		{[]string{decay, "-dt", "0"}, 2, "-dt must be positive"},
		{[]string{decay, "-dt", "1e-300"}, 2, "too many points"},
		{[]string{decay, "-rtol", "NaN"}, 2, "non-negative"},
		{[]string{decay, "-atol", "-1"}, 2, "non-negative"},
		{[]string{decay, "-set", "x=NaN"}, 2, "want name=number"},
		{[]string{decay, "-set", "x=Inf"}, 2, "want name=number"},
		{[]string{decay, "-set", "=1"}, 1, "no parameter or state"},
		{[]string{decay, "-set", "unknown=1"}, 1, "model L has no parameter or state of that name"},
		{[]string{decay, "-set", "k[3]=1"}, 1, "-set k[3]: eval: unknown parameter or state: k has 1 components"},
		{[]string{decay, "-set", "x[-1]=1"}, 1, "malformed index"},
		{[]string{decay, "-set", "x[99999999999999999999]=1"}, 1, "malformed index"},
		{[]string{decay, "-method", "unknown"}, 2, `unknown method "unknown"`},
		{[]string{decay, "-model", "Missing"}, 1, "no model Missing (the file has L)"},
		{[]string{ou, "-paths", "0"}, 2, "-paths must be at least 1"},
		{[]string{ou, "-paths", "-3"}, 2, "-paths must be at least 1"},
		// Held in memory: used to die with "fatal error: runtime: out of memory".
		{[]string{ou, "-paths", "1000000000", "-n", "1000"}, 2, "more than the limit"},
		// SDE methods are checked up front like ODE methods (it was exit 1
		// after compiling).
		{[]string{ou, "-method", "unknown"}, 2, `sde: unknown method "unknown"`},
		// t1 - t0 overflowed to +Inf and every time became NaN.
		{[]string{decay, "-t0", "-1e308", "-t1", "1e308"}, 2, "t1 - t0 overflows"},
		// Points that collapse in float64 are a usage error, not a solver
		// complaint about ts.
		{[]string{decay, "-t0", "1e300", "-t1", "1.0000000000000002e300", "-n", "5"}, 2, "not distinct"},
		// The stiff methods' dense Jacobian would be 3.2 GB (and radau5's
		// complex matrix more).
		{[]string{big, "-method", "radau5"}, 2, "needs a dense 20000×20000 Jacobian"},
		// A bad plot name is reported before simulating and writing.
		{[]string{decay, "-plot", filepath.Join(dir, "x.txt"), "-o", out}, 1, "want a .png"},
	} {
		code, stdout, errs := run(t, append([]string{"sim"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %.300q; want %d and %q", c.args, code, errs, c.code, c.msg)
		}
		if stdout != "" {
			t.Errorf("%v: wrote %.100q before failing", c.args, stdout)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s written by a failing run (%v)", out, err)
	}
}

// TestBadModelFiles: empty files, files without models, binary garbage,
// directories and missing files give exit 1 and a message naming the
// file (with a line and column where the problem is in the text), in
// printable text, from every command that reads a model.
func TestBadModelFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := make([]byte, 512)
	for i := range garbage {
		garbage[i] = byte(i*131 + i*i*7) // deterministic, with NULs, ESCs and invalid UTF-8
	}
	files := map[string]string{
		"empty":     writeFile(t, dir, "empty.node", ""),
		"comment":   writeFile(t, dir, "comment.node", "// nothing here\n"),
		"binary":    writeFile(t, dir, "bin.node", string(garbage)),
		"escape":    writeFile(t, dir, "esc.node", "model M {\n  state x = 1\n  x' = \x1b[2J\x1b]0;title\x07\n}\n"),
		"truncated": writeFile(t, dir, "trunc.node", "model M {\n  state x = 1\n  x' = (1 +"),
	}
	wantPos := map[string]string{
		"empty": "empty.node:1:1: no model in file", "comment": "comment.node:1:1: no model in file",
		"binary": "bin.node:1:", "escape": "esc.node:3:", "truncated": "trunc.node:3:",
	}
	sub := filepath.Join(dir, "dir.node")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"check"}, {"sim"}, {"gen"}, {"fmt"}, {"sim", "-n", "3"}} {
		for name, path := range files {
			args := append(append([]string{}, cmd...), path)
			code, _, errs := run(t, args...)
			if cmd[0] == "fmt" && (name == "empty" || name == "comment") {
				// A file without models is still well-formed for the printer.
				if code != 0 {
					t.Errorf("%v: exit %d: %s", args, code, errs)
				}
				continue
			}
			if code != 1 || !strings.Contains(errs, wantPos[name]) {
				t.Errorf("%v: exit %d, stderr %.300q; want 1 and %q", args, code, errs, wantPos[name])
			}
			printable(t, args, errs)
		}
		for _, path := range []string{sub, filepath.Join(dir, "missing.node")} {
			args := append(append([]string{}, cmd...), path)
			code, _, errs := run(t, args...)
			if code != 1 || !strings.Contains(errs, path) {
				t.Errorf("%v: exit %d, stderr %q; want 1 and the path", args, code, errs)
			}
		}
	}
}

func printable(t *testing.T, args []string, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%v: invalid UTF-8 in %q", args, s)
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			t.Errorf("%v: control character %q in stderr", args, r)
			return
		}
	}
}

// TestFmtWriteBadFile: fmt -w leaves a file with syntax errors untouched
// and reports it; files with only semantic errors are formatted (like
// gofmt, which does not type-check).
func TestFmtWriteBadFile(t *testing.T) {
	dir := t.TempDir()
	src := "model M {\n  state x = 1\n  x' = (1 +\n}\n"
	p := writeFile(t, dir, "bad.node", src)
	before, _ := os.Stat(p)
	code, out, errs := run(t, "fmt", "-w", p)
	if code != 1 || out != "" || !strings.Contains(errs, "bad.node:4:1") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	got, _ := os.ReadFile(p)
	after, _ := os.Stat(p)
	if string(got) != src || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("fmt -w rewrote a file with errors:\n%s", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}
	sem := writeFile(t, dir, "sem.node", "model M{ state x=1\n x'=undefined }\n")
	if code, _, errs := run(t, "fmt", "-w", sem); code != 0 {
		t.Errorf("semantic error: exit %d: %s", code, errs)
	}
	if got, _ := os.ReadFile(sem); !bytes.Contains(got, []byte("x' = undefined")) {
		t.Errorf("not formatted: %s", got)
	}
}

// TestSindyFlagLimits: flag values whose cost grows without bound are
// usage errors (-library fourier:1e9 and -ensemble 1e9 ran out of memory
// or time), and orders and windows must be integers (int(1e300) became
// -9223372036854775808 in the message).
func TestSindyFlagLimits(t *testing.T) {
	dir := t.TempDir()
	data := sindyLorenzCSV(t, dir)
	var b strings.Builder
	b.WriteString("t")
	for j := 0; j < 30; j++ {
		fmt.Fprintf(&b, ",c%d", j)
	}
	for r := 0; r < 50; r++ {
		fmt.Fprintf(&b, "\n%d", r)
		for j := 0; j < 30; j++ {
			fmt.Fprintf(&b, ",%g", math.Sin(float64(r*31+j)))
		}
	}
	wide := writeFile(t, dir, "wide.csv", b.String()+"\n")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-library", "fourier:1000000000"}, "at most 1000 frequencies"},
		{[]string{"-ensemble", "1000000000"}, "-ensemble 1000000000 not in [0, 10000]"},
		{[]string{"-ensemble", "-1"}, "-ensemble -1 not in [0, 10000]"},
		{[]string{"-diff", "fd:1e300"}, `-diff "fd:1e300": 1e+300 is not an integer`},
		{[]string{"-diff", "fd:NaN"}, `-diff "fd:NaN": NaN is not an integer`},
		{[]string{"-diff", "savgol:11.5:3"}, "11.5 is not an integer"},
		{[]string{"-library", "poly:99999999999999999999"}, "want poly:N with N ≥ 1"},
		// C(50, 20) ≈ 4.7·10¹³ monomials of 30 columns: ran out of memory.
		{[]string{"-data", wide, "-library", "poly:20"}, "gives 4.71e+13 features for 50 samples"},
	} {
		args := append([]string{"sindy", "-data", data}, c.args...)
		if c.args[0] == "-data" {
			args = append([]string{"sindy"}, c.args...)
		}
		code, out, errs := run(t, args...)
		if code != 2 || out != "" || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stdout %q, stderr %.200q; want 2 and %q", c.args, code, out, errs, c.msg)
		}
	}
}

// TestOutputOverInput: an output flag naming an input file is a usage
// error and the input is left as it was (sim -o m.node m.node replaced
// the model with a CSV; gen -o m.node m.node with Go).
func TestOutputOverInput(t *testing.T) {
	dir := t.TempDir()
	model := writeFile(t, dir, "l.node", decayNode)
	data := sindyLorenzCSV(t, dir)
	before, _ := os.ReadFile(data)
	link := filepath.Join(dir, "link.node")
	if err := os.Symlink("l.node", link); err != nil {
		t.Skip(err)
	}
	for _, args := range [][]string{
		{"sim", model, "-o", model},
		{"sim", model, "-o", link},
		{"sim", model, "-plot", model},
		{"gen", "-o", model, model},
		{"gen", "-o", link, model},
		{"sindy", "-data", data, "-emit", data},
	} {
		code, out, errs := run(t, args...)
		if code != 2 || out != "" || !strings.Contains(errs, "would overwrite the input file") {
			t.Errorf("%v: exit %d, stdout %.100q, stderr %.200q", args, code, out, errs)
		}
	}
	if got, _ := os.ReadFile(model); string(got) != decayNode {
		t.Errorf("model overwritten:\n%s", got)
	}
	if got, _ := os.ReadFile(data); !bytes.Equal(got, before) {
		t.Error("data overwritten")
	}
}
